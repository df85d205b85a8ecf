#include "viva/models/llava/llava_model.h"

#include "viva/core/error.h"
#include "viva/core/safetensors.h"
#include "viva/models/clip/clip_checkpoint.h"
#include "viva/models/llama/llama_checkpoint.h"
#include "viva/nn/undrawn_layers.h"
#include "viva/nn/weight_loading.h"

namespace viva {

LlavaOptions LlavaOptions::from_hf_config(const nlohmann::json& c, const std::string& source) {
  LlavaOptions o;
  try {
    o.vision = clip_vision_options_from_hf(c.at("vision_config"), source);
    o.text = LlamaOptions::from_hf_config(c.at("text_config"), source);
    o.image_token_id = c.value("image_token_index", o.image_token_id);
    o.vision_feature_layer = c.value("vision_feature_layer", o.vision_feature_layer);
    if (c.value("vision_feature_select_strategy", std::string("default")) != "default")
      throw Error(source, "only vision_feature_select_strategy \"default\" (drop CLS) is supported");
    if (c.value("projector_hidden_act", std::string("gelu")) != "gelu")
      throw Error(source, "only a GELU projector is supported");
  } catch (const nlohmann::json::exception& e) {
    throw Error(source, std::string("not a LLaVA config: ") + e.what());
  }
  return o;
}

nlohmann::json LlavaOptions::to_hf_config() const {
  return {{"model_type", "llava"},
          {"architectures", {"LlavaForConditionalGeneration"}},
          {"vision_config", clip_vision_options_to_hf(vision)},
          {"text_config", text.to_hf_config()},
          {"image_token_index", image_token_id},
          {"vision_feature_layer", vision_feature_layer},
          {"vision_feature_select_strategy", "default"},
          {"projector_hidden_act", "gelu"}};
}

LlavaProjectorImpl::LlavaProjectorImpl(int64_t vision_hidden, int64_t text_hidden) {
  linear_1 = register_module("linear_1", linear_layer(vision_hidden, text_hidden));
  linear_2 = register_module("linear_2", linear_layer(text_hidden, text_hidden));
}

torch::Tensor LlavaProjectorImpl::forward(const torch::Tensor& x) { return linear_2(torch::gelu(linear_1(x))); }

LlavaModelImpl::LlavaModelImpl(const LlavaOptions& o) : options(o) {
  vision_tower = register_module("vision_tower", ClipVisionTransformer(o.vision));
  multi_modal_projector = register_module("multi_modal_projector", LlavaProjector(o.vision.hidden_size, o.text.hidden_size));
  language_model = register_module("language_model", LlamaModel(o.text));
}

torch::Tensor LlavaModelImpl::image_features(const torch::Tensor& pixels) {
  // hidden_states[k] is the stream after block k (index 0 = embeddings), so layer -2 of L
  // blocks is the output of block L - 1.
  const int64_t layer = options.vision_feature_layer < 0 ? options.vision.num_layers + 1 + options.vision_feature_layer
                                                         : options.vision_feature_layer;
  if (layer < 1 || layer > options.vision.num_layers) throw Error("LLaVA", "vision_feature_layer out of range");
  auto hidden = vision_tower(pixels, layer).hidden;
  return multi_modal_projector(hidden.narrow(1, 1, hidden.size(1) - 1));  // drop CLS
}

SplicedInput LlavaModelImpl::splice(const torch::Tensor& ids, const torch::Tensor& features) {
  if (ids.dim() != 2 || ids.size(0) != 1) throw Error("LLaVA", "splice takes one sequence [1, L]");
  auto flat = ids[0].to(torch::kCPU);
  std::vector<int64_t> at;
  for (int64_t i = 0; i < flat.size(0); ++i)
    if (flat[i].item<int64_t>() == options.image_token_id) at.push_back(i);
  const int64_t n_images = features.defined() ? features.size(0) : 0;
  if (static_cast<int64_t>(at.size()) != n_images)
    throw Error("LLaVA", "the prompt has " + std::to_string(at.size()) + " <image> tokens but " +
                             std::to_string(n_images) + " images were given");
  // Embed text ids with <image> replaced by a valid id; its row is cut out below.
  auto text = language_model->embed(ids.masked_fill(ids.eq(options.image_token_id), 0));
  SplicedInput out;
  out.image_length = n_images ? features.size(1) : 0;
  std::vector<torch::Tensor> pieces;
  int64_t cursor = 0, position = 0;
  for (int64_t k = 0; k < n_images; ++k) {
    pieces.push_back(text.narrow(1, cursor, at[k] - cursor));
    position += at[k] - cursor;
    out.image_starts.push_back(position);
    pieces.push_back(features.narrow(0, k, 1).to(text.scalar_type()));
    position += out.image_length;
    cursor = at[k] + 1;
  }
  pieces.push_back(text.narrow(1, cursor, ids.size(1) - cursor));
  out.embeddings = torch::cat(pieces, 1);
  return out;
}

void load_llava(LlavaModel& model, const Checkpoint& checkpoint) {
  load_clip_vision(model->vision_tower, checkpoint);
  load_llama(model->language_model, checkpoint);
  std::string prefix;
  for (const std::string candidate : {"multi_modal_projector.", "model.multi_modal_projector."})
    if (checkpoint.contains(candidate + "linear_1.weight")) prefix = candidate;
  if (prefix.empty()) throw Error(checkpoint.path(), "has no multi_modal_projector.linear_1.weight");
  WeightLoadOptions options;
  options.set_name_map([prefix](const std::string& name) { return prefix + name; });
  options.set_strict(false);  // the tower and decoder were loaded above
  load_weights(*model->multi_modal_projector, checkpoint, options);
}

void save_llava(const LlavaModel& model, const std::string& path) {
  std::vector<NamedTensor> tensors;
  for (const auto& t : model->named_parameters()) {
    std::string name = t.key();
    if (name.rfind("language_model.lm_head.", 0) != 0 && name.rfind("language_model.", 0) == 0)
      name = "language_model.model." + name.substr(15);
    tensors.push_back({name, t.value().detach().to(torch::kCPU)});
  }
  save_safetensors(path, tensors);
}

}  // namespace viva
