#include "viva/models/clip/clip_model.h"

#include "viva/core/compat.h"
#include "viva/core/error.h"
#include "viva/nn/attention_mask.h"
#include "viva/nn/undrawn_layers.h"
#include "viva/nn/weight_loading.h"

namespace viva {
namespace {

torch::nn::LayerNorm layer_norm(int64_t dim, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps));
}

}  // namespace

ClipAttentionImpl::ClipAttentionImpl(int64_t hidden, int64_t heads_) : heads(heads_) {
  q_proj = register_module("q_proj", linear_layer(hidden, hidden));
  k_proj = register_module("k_proj", linear_layer(hidden, hidden));
  v_proj = register_module("v_proj", linear_layer(hidden, hidden));
  out_proj = register_module("out_proj", linear_layer(hidden, hidden));
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const int64_t B = x.size(0), L = x.size(1), D = x.size(2), head_dim = D / heads;
  auto split = [&](const torch::Tensor& t) { return t.view({B, L, heads, head_dim}).transpose(1, 2); };
  auto out = compat::scaled_dot_product_attention(split(q_proj(x)), split(k_proj(x)), split(v_proj(x)), mask);
  return out_proj(out.transpose(1, 2).reshape({B, L, D}));
}

ClipMlpImpl::ClipMlpImpl(int64_t hidden, int64_t intermediate, ClipActivation activation_) : activation(activation_) {
  fc1 = register_module("fc1", linear_layer(hidden, intermediate));
  fc2 = register_module("fc2", linear_layer(intermediate, hidden));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& x) {
  auto h = fc1(x);
  h = activation == ClipActivation::QuickGelu ? h * torch::sigmoid(1.702 * h) : torch::gelu(h);
  return fc2(h);
}

ClipEncoderLayerImpl::ClipEncoderLayerImpl(int64_t hidden, int64_t heads, int64_t intermediate, double eps,
                                           ClipActivation activation) {
  self_attn = register_module("self_attn", ClipAttention(hidden, heads));
  layer_norm1 = register_module("layer_norm1", layer_norm(hidden, eps));
  mlp = register_module("mlp", ClipMlp(hidden, intermediate, activation));
  layer_norm2 = register_module("layer_norm2", layer_norm(hidden, eps));
}

torch::Tensor ClipEncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  auto h = x + self_attn(layer_norm1(x), mask);
  return h + mlp(layer_norm2(h));
}

ClipEncoderImpl::ClipEncoderImpl(int64_t hidden, int64_t heads, int64_t intermediate, int64_t count, double eps,
                                 ClipActivation activation) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < count; ++i) layers->push_back(built_in_place(ClipEncoderLayer(hidden, heads, intermediate, eps, activation)));
}

torch::Tensor ClipEncoderImpl::forward(torch::Tensor x, const torch::Tensor& mask, int64_t count,
                                       std::vector<torch::Tensor>* trace) {
  const int64_t n = count < 0 ? static_cast<int64_t>(layers->size()) : count;
  if (n > static_cast<int64_t>(layers->size())) throw Error("CLIP", "asked for more layers than the encoder has");
  for (int64_t i = 0; i < n; ++i) {
    x = layers[i]->as<ClipEncoderLayer>()->forward(x, mask);
    if (trace) trace->push_back(x);
  }
  return x;
}

ClipVisionEmbeddingsImpl::ClipVisionEmbeddingsImpl(const ClipVisionOptions& o) {
  class_embedding = register_parameter("class_embedding", torch::randn({o.hidden_size}));
  patch_embedding = register_module(
      "patch_embedding",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(3, o.hidden_size, o.patch_size).stride(o.patch_size).bias(false)));
  position_embedding = register_module("position_embedding", embedding_layer(o.num_patches() + 1, o.hidden_size));
}

torch::Tensor ClipVisionEmbeddingsImpl::forward(const torch::Tensor& pixel_values) {
  const int64_t B = pixel_values.size(0);
  auto patches = patch_embedding(pixel_values.to(patch_embedding->weight.scalar_type())).flatten(2).transpose(1, 2);
  auto cls = class_embedding.view({1, 1, -1}).expand({B, 1, class_embedding.size(0)});
  return torch::cat({cls, patches}, 1) + position_embedding->weight.unsqueeze(0);
}

ClipVisionTransformerImpl::ClipVisionTransformerImpl(const ClipVisionOptions& o) : options(o) {
  o.validate("CLIP vision options");
  embeddings = register_module("embeddings", ClipVisionEmbeddings(o));
  pre_layrnorm = register_module("pre_layrnorm", layer_norm(o.hidden_size, o.layer_norm_eps));
  encoder = register_module("encoder", ClipEncoder(o.hidden_size, o.num_heads, o.intermediate_size, o.num_layers,
                                                   o.layer_norm_eps, o.activation));
  post_layernorm = register_module("post_layernorm", layer_norm(o.hidden_size, o.layer_norm_eps));
}

ClipVisionOutput ClipVisionTransformerImpl::forward(const torch::Tensor& pixel_values, int64_t stop_after_layer,
                                                    bool trace) {
  if (pixel_values.dim() != 4 || pixel_values.size(1) != 3 || pixel_values.size(2) != options.image_size ||
      pixel_values.size(3) != options.image_size)
    throw Error("CLIP vision", "expected pixels [B, 3, " + std::to_string(options.image_size) + ", " +
                                   std::to_string(options.image_size) + "], got " + c10::str(pixel_values.sizes()));
  ClipVisionOutput out;
  auto h = pre_layrnorm(embeddings(pixel_values));
  out.hidden = encoder->forward(h, torch::Tensor(), stop_after_layer, trace ? &out.trace : nullptr);
  if (stop_after_layer < 0 || stop_after_layer == options.num_layers)
    out.pooled = post_layernorm(out.hidden.select(1, 0));
  return out;
}

ClipTextEmbeddingsImpl::ClipTextEmbeddingsImpl(const ClipTextOptions& o) {
  token_embedding = register_module("token_embedding", embedding_layer(o.vocab_size, o.hidden_size));
  position_embedding = register_module("position_embedding", embedding_layer(o.max_positions, o.hidden_size));
}

torch::Tensor ClipTextEmbeddingsImpl::forward(const torch::Tensor& ids) {
  return token_embedding(ids) + position_embedding->weight.narrow(0, 0, ids.size(1)).unsqueeze(0);
}

ClipTextTransformerImpl::ClipTextTransformerImpl(const ClipTextOptions& o) : options(o) {
  o.validate("CLIP text options");
  embeddings = register_module("embeddings", ClipTextEmbeddings(o));
  encoder = register_module("encoder", ClipEncoder(o.hidden_size, o.num_heads, o.intermediate_size, o.num_layers,
                                                   o.layer_norm_eps, o.activation));
  final_layer_norm = register_module("final_layer_norm", layer_norm(o.hidden_size, o.layer_norm_eps));
}

ClipTextOutput ClipTextTransformerImpl::forward(const torch::Tensor& ids, const torch::Tensor& attention_mask, bool trace) {
  if (ids.dim() != 2 || ids.size(1) > options.max_positions || ids.size(1) == 0)
    throw Error("CLIP text", "expected ids [B, L] with 0 < L <= " + std::to_string(options.max_positions) + ", got " +
                                 c10::str(ids.sizes()));
  if (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= options.vocab_size)
    throw Error("CLIP text", "token id out of range for vocabulary of " + std::to_string(options.vocab_size));
  const int64_t B = ids.size(0), L = ids.size(1);
  auto h = embeddings(ids);
  auto mask = causal_attention_mask(attention_mask, B, L, h.device(), h.scalar_type());
  ClipTextOutput out;
  h = encoder->forward(h, mask, -1, trace ? &out.trace : nullptr);
  out.last_hidden_state = final_layer_norm(h);
  // Pool at the first end-of-text token; rows without one fall back to the largest id
  // (OpenAI's argmax, which finds the end token when it is the largest id in use).
  auto is_eos = ids.eq(options.eos_token_id);
  auto first_eos = is_eos.to(torch::kInt64).argmax(1);
  auto fallback = ids.argmax(1);
  auto position = torch::where(is_eos.any(1), first_eos, fallback);
  out.pooled = out.last_hidden_state.index({torch::arange(B, position.options()), position});
  return out;
}

ClipModelImpl::ClipModelImpl(const ClipOptions& o) : options(o) {
  vision_model = register_module("vision_model", ClipVisionTransformer(o.vision));
  text_model = register_module("text_model", ClipTextTransformer(o.text));
  visual_projection = register_module(
      "visual_projection", linear_layer(o.vision.hidden_size, o.projection_dim, /*bias=*/false));
  text_projection = register_module(
      "text_projection", linear_layer(o.text.hidden_size, o.projection_dim, /*bias=*/false));
  logit_scale = register_parameter("logit_scale", torch::tensor(std::log(1 / 0.07)));
}

torch::Tensor ClipModelImpl::image_embeds(const torch::Tensor& pixel_values) {
  return visual_projection(vision_model(pixel_values).pooled);
}

torch::Tensor ClipModelImpl::text_embeds(const torch::Tensor& ids, const torch::Tensor& attention_mask) {
  return text_projection(text_model(ids, attention_mask).pooled);
}

torch::Tensor ClipModelImpl::logits_per_image(const torch::Tensor& image, const torch::Tensor& text) {
  auto a = image / image.norm(2, -1, true);
  auto b = text / text.norm(2, -1, true);
  return logit_scale.exp() * torch::matmul(a, b.t());
}

}  // namespace viva
