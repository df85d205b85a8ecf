#include "viva/models/dit/dit_layers.h"

#include <algorithm>
#include <cmath>

#include "viva/core/compat.h"
#include "viva/nn/undrawn_layers.h"

namespace viva {
namespace {

torch::nn::Sequential silu_linear(int64_t in, int64_t out) {
  return torch::nn::Sequential(torch::nn::SiLU(), linear_layer(in, out));
}

// [B, S, heads, head_dim] -> [B, heads, S, head_dim] and back.
torch::Tensor heads_first(const torch::Tensor& x) { return x.transpose(1, 2); }

// Per-sample vectors [B, D] broadcast over the tokens; per-token ones [B, N, D] as they are.
torch::Tensor over_tokens(const torch::Tensor& v) { return v.dim() == 2 ? v.unsqueeze(1) : v; }

}  // namespace

torch::Tensor timestep_sinusoid(const torch::Tensor& t, int64_t dim) {
  const int64_t half = dim / 2;
  auto options = torch::TensorOptions().dtype(torch::kFloat32).device(t.device());
  auto freqs = torch::exp(-std::log(10000.0) * torch::arange(half, options) / static_cast<double>(half));
  auto args = t.to(torch::kFloat32).unsqueeze(1) * freqs.unsqueeze(0);
  return torch::cat({torch::cos(args), torch::sin(args)}, 1);
}

TimestepEmbedderImpl::TimestepEmbedderImpl(int64_t hidden) {
  // The second Linear draws its initial weights first, as in the GCC builds that wrote every model
  // so far (the order of a call's arguments is open in C++; spelled out, one seed is one model).
  torch::nn::Linear second = linear_layer(hidden, hidden);
  torch::nn::Linear first = linear_layer(256, hidden);
  mlp = register_module("mlp", torch::nn::Sequential(first, torch::nn::SiLU(), second));
}

torch::Tensor TimestepEmbedderImpl::forward(const torch::Tensor& t) {
  auto first = mlp->ptr<torch::nn::LinearImpl>(0);
  return mlp->forward(timestep_sinusoid(t).to(first->weight.scalar_type()));
}

MlpEmbedderImpl::MlpEmbedderImpl(int64_t in, int64_t hidden) {
  in_layer = register_module("in_layer", linear_layer(in, hidden));
  out_layer = register_module("out_layer", linear_layer(hidden, hidden));
}

torch::Tensor MlpEmbedderImpl::forward(const torch::Tensor& x) { return out_layer(torch::silu(in_layer(x))); }

PatchEmbedImpl::PatchEmbedImpl(const DitOptions& o, int64_t in_channels) {
  const torch::ExpandingArray<3> patch({o.patch[0], o.patch[1], o.patch[2]});
  proj = register_module("proj", torch::nn::Conv3d(torch::nn::Conv3dOptions(in_channels, o.hidden_size, patch).stride(patch)));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& x) { return proj(x).flatten(2).transpose(1, 2); }

std::pair<torch::Tensor, torch::Tensor> rope_3d_tables(const DitOptions& o, int64_t t, int64_t h, int64_t w,
                                                       int64_t t_start, torch::Device device) {
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const std::array<torch::Tensor, 3> positions = {torch::arange(t_start, t_start + t, f32), torch::arange(h, f32),
                                                  torch::arange(w, f32)};
  auto grid = torch::meshgrid({positions[0], positions[1], positions[2]}, "ij");
  std::vector<torch::Tensor> cos_parts, sin_parts;
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t n = o.rope_dims[axis];
    auto freqs = torch::pow(o.rope_theta, -torch::arange(0, n, 2, f32) / static_cast<double>(n));  // [n/2]
    auto angles = grid[axis].reshape({-1, 1}) * freqs.unsqueeze(0);                               // [N, n/2]
    angles = angles.repeat_interleave(2, 1);                                                      // adjacent pairs
    cos_parts.push_back(angles.cos());
    sin_parts.push_back(angles.sin());
  }
  return {torch::cat(cos_parts, 1), torch::cat(sin_parts, 1)};
}

torch::Tensor apply_rope_pairs(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  auto x32 = x.to(torch::kFloat32);
  auto pairs = x32.unflatten(-1, {x.size(-1) / 2, 2});
  auto rotated = torch::stack({-pairs.select(-1, 1), pairs.select(-1, 0)}, -1).flatten(-2);
  auto c = cos.view({1, cos.size(0), 1, cos.size(1)}), s = sin.view({1, sin.size(0), 1, sin.size(1)});
  return torch::addcmul(x32 * c, rotated, s).to(x.scalar_type());  // one pass fewer than x·c + r·s
}

torch::Tensor layer_norm_plain(const torch::Tensor& x) { return torch::layer_norm(x, {x.size(-1)}, {}, {}, 1e-6); }

torch::Tensor layer_norm_widened(const torch::nn::LayerNorm& norm, const torch::Tensor& x) {
  const torch::ScalarType wider = torch::promote_types(x.scalar_type(), norm->weight.scalar_type());
  return torch::layer_norm(x.to(wider), norm->options.normalized_shape(), norm->weight.to(wider), norm->bias.to(wider),
                           norm->options.eps());
}

torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale) {
  return torch::addcmul(over_tokens(shift), x, 1 + over_tokens(scale));  // shift + x·(1 + scale), one pass
}

torch::Tensor add_gated(const torch::Tensor& x, const torch::Tensor& gate, const torch::Tensor& y) {
  return torch::addcmul(x, over_tokens(gate), y);  // x + gate·y, one pass
}

ValidText valid_text(const torch::Tensor& text, const torch::Tensor& text_mask) {
  if (!text_mask.defined()) return {text, {}};
  const torch::Tensor valid = text_mask.to(torch::kBool);
  const torch::Tensor lengths = valid.sum(1);
  const int64_t longest = std::max<int64_t>(lengths.max().item<int64_t>(), 1);
  const torch::Tensor prefix = torch::arange(valid.size(1), lengths.options()).unsqueeze(0) < lengths.unsqueeze(1);
  if (!torch::equal(prefix, valid)) return {text, valid};
  const bool filled = lengths.min().item<int64_t>() == longest;
  return {text.narrow(1, 0, longest), filled ? torch::Tensor() : valid.narrow(1, 0, longest)};
}

torch::Tensor key_padding_mask(const torch::Tensor& keep) {
  return keep.defined() ? keep.view({keep.size(0), 1, 1, keep.size(1)}) : torch::Tensor();
}

DitMlpImpl::DitMlpImpl(int64_t dim, int64_t hidden, bool gelu_tanh_) : gelu_tanh(gelu_tanh_) {
  fc1 = register_module("fc1", linear_layer<AdaptableLinear>(dim, hidden));
  fc2 = register_module("fc2", linear_layer<AdaptableLinear>(hidden, dim));
}

torch::Tensor DitMlpImpl::forward(const torch::Tensor& x) {
  auto h = fc1(x);
  return fc2(gelu_tanh ? torch::gelu(h, "tanh") : torch::silu(h));
}

TokenRefinerBlockImpl::TokenRefinerBlockImpl(const DitOptions& o) : heads(o.heads) {
  const int64_t d = o.hidden_size;
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(1e-6)));
  self_attn_qkv = register_module("self_attn_qkv", linear_layer(d, 3 * d));
  self_attn_proj = register_module("self_attn_proj", linear_layer(d, d));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(1e-6)));
  mlp = register_module("mlp", DitMlp(d, o.mlp_hidden(), false));
  adaLN_modulation = register_module("adaLN_modulation", silu_linear(d, 2 * d));
}

torch::Tensor TokenRefinerBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& c, const torch::Tensor& mask) {
  auto gates = adaLN_modulation->forward(c).chunk(2, -1);
  const int64_t B = x.size(0), L = x.size(1), D = x.size(2);
  auto qkv = self_attn_qkv(layer_norm_widened(norm1, x)).view({B, L, 3, heads, D / heads});
  auto attn = compat::scaled_dot_product_attention(heads_first(qkv.select(2, 0)), heads_first(qkv.select(2, 1)),
                                                   heads_first(qkv.select(2, 2)), mask);
  auto h = add_gated(x, gates[0], self_attn_proj(attn.transpose(1, 2).reshape({B, L, D})));
  return add_gated(h, gates[1], mlp(layer_norm_widened(norm2, h)));
}

TextProjectionImpl::TextProjectionImpl(int64_t in, int64_t hidden) {
  linear_1 = register_module("linear_1", linear_layer(in, hidden));
  linear_2 = register_module("linear_2", linear_layer(hidden, hidden));
}

torch::Tensor TextProjectionImpl::forward(const torch::Tensor& x) { return linear_2(torch::silu(linear_1(x))); }

IndividualTokenRefinerImpl::IndividualTokenRefinerImpl(const DitOptions& o) {
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.refiner_blocks; ++i) blocks->push_back(TokenRefinerBlock(o));
}

TokenRefinerImpl::TokenRefinerImpl(const DitOptions& o) {
  input_embedder = register_module("input_embedder", linear_layer(o.text_dim, o.hidden_size));
  t_embedder = register_module("t_embedder", TimestepEmbedder(o.hidden_size));
  c_embedder = register_module("c_embedder", TextProjection(o.text_dim, o.hidden_size));
  individual_token_refiner = register_module("individual_token_refiner", IndividualTokenRefiner(o));
}

torch::Tensor TokenRefinerImpl::forward(const torch::Tensor& text, const torch::Tensor& t, const torch::Tensor& mask) {
  // Mean of the raw LLM states over valid tokens, in float32.
  torch::Tensor pooled;
  if (mask.defined()) {
    auto m = mask.to(torch::kFloat32).unsqueeze(-1);
    pooled = (text.to(torch::kFloat32) * m).sum(1) / m.sum(1).clamp_min(1.0);
  } else {
    pooled = text.to(torch::kFloat32).mean(1);
  }
  auto c = t_embedder(t) + c_embedder(pooled.to(text.scalar_type()));
  auto x = input_embedder(text);
  // Pairwise mask: valid tokens see valid tokens; every query may see key 0, so padded rows
  // are not empty (the reference forces column 0). None when every token is valid.
  torch::Tensor keep;
  if (mask.defined()) {
    auto valid = mask.to(torch::kBool);
    keep = valid.unsqueeze(2).logical_and(valid.unsqueeze(1));
    keep.select(2, 0).fill_(true);
    keep = keep.unsqueeze(1);
  }
  for (const auto& block : *individual_token_refiner->blocks) x = block->as<TokenRefinerBlock>()->forward(x, c, keep);
  return x;
}

}  // namespace viva
