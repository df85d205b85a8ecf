#include "viva/models/llama/llama_model.h"

#include "viva/core/compat.h"
#include "viva/core/error.h"
#include "viva/nn/attention_mask.h"
#include "viva/nn/rotary.h"
#include "viva/nn/undrawn_layers.h"
#include "viva/nn/weight_loading.h"

namespace viva {
namespace {

torch::nn::Linear linear(int64_t in, int64_t out) { return linear_layer(in, out, /*bias=*/false); }

}  // namespace

LlamaAttentionImpl::LlamaAttentionImpl(const LlamaOptions& o) : options(o) {
  const int64_t head_dim = o.head_dim();
  q_proj = register_module("q_proj", linear(o.hidden_size, o.num_heads * head_dim));
  k_proj = register_module("k_proj", linear(o.hidden_size, o.num_kv_heads * head_dim));
  v_proj = register_module("v_proj", linear(o.hidden_size, o.num_kv_heads * head_dim));
  o_proj = register_module("o_proj", linear(o.num_heads * head_dim, o.hidden_size));
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                          const torch::Tensor& mask) {
  const int64_t B = x.size(0), L = x.size(1), head_dim = options.head_dim();
  auto q = q_proj(x).view({B, L, options.num_heads, head_dim}).transpose(1, 2);
  auto k = k_proj(x).view({B, L, options.num_kv_heads, head_dim}).transpose(1, 2);
  auto v = v_proj(x).view({B, L, options.num_kv_heads, head_dim}).transpose(1, 2);
  q = apply_rope_rotate_half(q, cos, sin);
  k = apply_rope_rotate_half(k, cos, sin);
  // GQA: each key/value head serves num_heads / num_kv_heads consecutive query heads.
  const int64_t repeat = options.num_heads / options.num_kv_heads;
  if (repeat > 1) {
    k = k.repeat_interleave(repeat, 1);
    v = v.repeat_interleave(repeat, 1);
  }
  auto out = compat::scaled_dot_product_attention(q, k, v, mask);  // [B, H, L, head_dim]
  return o_proj(out.transpose(1, 2).reshape({B, L, options.num_heads * head_dim}));
}

LlamaMlpImpl::LlamaMlpImpl(const LlamaOptions& o) {
  gate_proj = register_module("gate_proj", linear(o.hidden_size, o.intermediate_size));
  up_proj = register_module("up_proj", linear(o.hidden_size, o.intermediate_size));
  down_proj = register_module("down_proj", linear(o.intermediate_size, o.hidden_size));
}

torch::Tensor LlamaMlpImpl::forward(const torch::Tensor& x) { return down_proj(torch::silu(gate_proj(x)) * up_proj(x)); }

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const LlamaOptions& o) {
  input_layernorm = register_module("input_layernorm", RmsNorm(o.hidden_size, o.rms_norm_eps));
  self_attn = register_module("self_attn", LlamaAttention(o));
  post_attention_layernorm = register_module("post_attention_layernorm", RmsNorm(o.hidden_size, o.rms_norm_eps));
  mlp = register_module("mlp", LlamaMlp(o));
}

torch::Tensor LlamaDecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                             const torch::Tensor& mask) {
  auto h = x + self_attn(input_layernorm(x), cos, sin, mask);
  return h + mlp(post_attention_layernorm(h));
}

LlamaModelImpl::LlamaModelImpl(const LlamaOptions& o) : options(o) {
  o.validate("Llama options");
  embed_tokens = register_module("embed_tokens", built_in_place(embedding_layer(o.vocab_size, o.hidden_size)));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) layers->push_back(built_in_place(LlamaDecoderLayer(o)));
  norm = register_module("norm", RmsNorm(o.hidden_size, o.rms_norm_eps));
  if (o.with_lm_head) lm_head = register_module("lm_head", built_in_place(linear(o.hidden_size, o.vocab_size)));
}

torch::Tensor LlamaModelImpl::embed(const torch::Tensor& ids) {
  if (ids.numel() > 0 && (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= options.vocab_size))
    throw Error("Llama", "token id out of range for vocabulary of " + std::to_string(options.vocab_size));
  return embed_tokens(ids);
}

torch::Tensor LlamaModelImpl::forward(const torch::Tensor& embeddings, const torch::Tensor& attention_mask,
                                      const torch::Tensor& position_ids, int64_t stop_after_layer, bool final_norm) {
  const int64_t B = embeddings.size(0), L = embeddings.size(1);
  if (stop_after_layer == 0 || stop_after_layer > options.num_layers)
    throw Error("Llama", "stop_after_layer " + std::to_string(stop_after_layer) + " is outside 1.." +
                             std::to_string(options.num_layers));
  auto positions = position_ids.defined()
                       ? position_ids
                       : torch::arange(L, torch::TensorOptions().dtype(torch::kInt64).device(embeddings.device()))
                             .unsqueeze(0)
                             .expand({B, L});
  auto [cos, sin] = rope_cos_sin(positions, options.head_dim(), options.rope_theta);
  auto mask = causal_attention_mask(attention_mask, B, L, embeddings.device(), embeddings.scalar_type());
  const int64_t last = stop_after_layer < 0 ? options.num_layers : stop_after_layer;
  auto h = embeddings;
  for (int64_t i = 0; i < last; ++i) h = layers[i]->as<LlamaDecoderLayer>()->forward(h, cos, sin, mask);
  return final_norm ? norm(h) : h;
}

torch::Tensor LlamaModelImpl::logits(const torch::Tensor& hidden) {
  if (!lm_head) throw Error("Llama", "built without lm_head (with_lm_head = false)");
  return lm_head(hidden);
}

}  // namespace viva
