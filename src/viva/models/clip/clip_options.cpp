#include "viva/models/clip/clip_options.h"

#include "viva/core/error.h"

namespace viva {
namespace {

ClipActivation parse_activation(const std::string& name, const std::string& source) {
  if (name == "quick_gelu") return ClipActivation::QuickGelu;
  if (name == "gelu") return ClipActivation::Gelu;
  throw Error(source, "hidden_act '" + name + "' is not supported (quick_gelu or gelu)");
}

void check_transformer(int64_t hidden, int64_t heads, int64_t layers, int64_t mlp, const std::string& what,
                       const std::string& source) {
  if (hidden <= 0 || heads <= 0 || layers <= 0 || mlp <= 0) throw Error(source, what + " sizes must be positive");
  if (hidden % heads != 0) throw Error(source, what + " hidden size is not a multiple of the head count");
}

}  // namespace

void ClipVisionOptions::validate(const std::string& source) const {
  check_transformer(hidden_size, num_heads, num_layers, intermediate_size, "CLIP vision", source);
  if (patch_size <= 0 || image_size % patch_size != 0) throw Error(source, "CLIP image size is not a multiple of the patch size");
}

void ClipTextOptions::validate(const std::string& source) const {
  check_transformer(hidden_size, num_heads, num_layers, intermediate_size, "CLIP text", source);
  if (vocab_size <= 0 || max_positions <= 0) throw Error(source, "CLIP text vocabulary and positions must be positive");
}

ClipOptions ClipOptions::vit_large_patch14() { return ClipOptions(); }

ClipOptions ClipOptions::vit_large_patch14_336() {
  ClipOptions o;
  o.vision.image_size = 336;
  return o;
}

ClipVisionOptions clip_vision_options_from_hf(const nlohmann::json& c, const std::string& source) {
  ClipVisionOptions o;
  try {
    o.hidden_size = c.value("hidden_size", o.hidden_size);
    o.intermediate_size = c.value("intermediate_size", o.intermediate_size);
    o.num_layers = c.value("num_hidden_layers", o.num_layers);
    o.num_heads = c.value("num_attention_heads", o.num_heads);
    o.image_size = c.value("image_size", o.image_size);
    o.patch_size = c.value("patch_size", o.patch_size);
    o.layer_norm_eps = c.value("layer_norm_eps", o.layer_norm_eps);
    o.activation = parse_activation(c.value("hidden_act", std::string("quick_gelu")), source);
  } catch (const nlohmann::json::exception& e) {
    throw Error(source, std::string("bad CLIP vision config: ") + e.what());
  }
  o.validate(source);
  return o;
}

ClipTextOptions clip_text_options_from_hf(const nlohmann::json& c, const std::string& source) {
  ClipTextOptions o;
  try {
    o.hidden_size = c.value("hidden_size", o.hidden_size);
    o.intermediate_size = c.value("intermediate_size", o.intermediate_size);
    o.num_layers = c.value("num_hidden_layers", o.num_layers);
    o.num_heads = c.value("num_attention_heads", o.num_heads);
    o.vocab_size = c.value("vocab_size", o.vocab_size);
    o.max_positions = c.value("max_position_embeddings", o.max_positions);
    o.eos_token_id = c.value("eos_token_id", o.eos_token_id);
    // HF's legacy configs say eos 2 while the vocabulary's end token is the largest id.
    if (o.eos_token_id == 2) o.eos_token_id = o.vocab_size - 1;
    o.layer_norm_eps = c.value("layer_norm_eps", o.layer_norm_eps);
    o.activation = parse_activation(c.value("hidden_act", std::string("quick_gelu")), source);
  } catch (const nlohmann::json::exception& e) {
    throw Error(source, std::string("bad CLIP text config: ") + e.what());
  }
  o.validate(source);
  return o;
}

namespace {
std::string activation_name(ClipActivation a) { return a == ClipActivation::QuickGelu ? "quick_gelu" : "gelu"; }
}  // namespace

nlohmann::json clip_vision_options_to_hf(const ClipVisionOptions& o) {
  return {{"model_type", "clip_vision_model"}, {"hidden_size", o.hidden_size}, {"intermediate_size", o.intermediate_size},
          {"num_hidden_layers", o.num_layers}, {"num_attention_heads", o.num_heads}, {"image_size", o.image_size},
          {"patch_size", o.patch_size}, {"layer_norm_eps", o.layer_norm_eps}, {"hidden_act", activation_name(o.activation)}};
}

nlohmann::json clip_text_options_to_hf(const ClipTextOptions& o) {
  return {{"model_type", "clip_text_model"}, {"hidden_size", o.hidden_size}, {"intermediate_size", o.intermediate_size},
          {"num_hidden_layers", o.num_layers}, {"num_attention_heads", o.num_heads}, {"vocab_size", o.vocab_size},
          {"max_position_embeddings", o.max_positions}, {"eos_token_id", o.eos_token_id},
          {"layer_norm_eps", o.layer_norm_eps}, {"hidden_act", activation_name(o.activation)}};
}

ClipOptions ClipOptions::from_hf_config(const nlohmann::json& c, const std::string& source) {
  ClipOptions o;
  if (c.contains("vision_config")) o.vision = clip_vision_options_from_hf(c["vision_config"], source);
  if (c.contains("text_config")) o.text = clip_text_options_from_hf(c["text_config"], source);
  o.projection_dim = c.value("projection_dim", o.projection_dim);
  return o;
}

ClipOptions ClipOptions::tiny() {
  ClipOptions o;
  o.vision.hidden_size = 32;
  o.vision.intermediate_size = 64;
  o.vision.num_layers = 2;
  o.vision.num_heads = 2;
  o.vision.image_size = 32;
  o.vision.patch_size = 8;
  o.text.hidden_size = 32;
  o.text.intermediate_size = 64;
  o.text.num_layers = 2;
  o.text.num_heads = 2;
  o.projection_dim = 32;
  return o;
}

nlohmann::json ClipOptions::to_hf_config() const {
  return {{"model_type", "clip"}, {"architectures", {"CLIPModel"}}, {"projection_dim", projection_dim},
          {"logit_scale_init_value", 2.6592}, {"vision_config", clip_vision_options_to_hf(vision)},
          {"text_config", clip_text_options_to_hf(text)}};
}

}  // namespace viva
