#include "viva/models/dit/dit_blocks.h"

#include "viva/core/compat.h"
#include "viva/nn/chunked_attention.h"
#include "viva/nn/undrawn_layers.h"

namespace viva {
namespace {

StreamQkv split_qkv(const torch::Tensor& qkv, int64_t heads, RmsNorm& q_norm, RmsNorm& k_norm) {
  const int64_t B = qkv.size(0), S = qkv.size(1), D = qkv.size(2) / 3;
  auto parts = qkv.view({B, S, 3, heads, D / heads});
  return {q_norm(parts.select(2, 0)), k_norm(parts.select(2, 1)), parts.select(2, 2)};
}

// Attention over [B, S, heads, head_dim] inputs -> [B, S, heads * head_dim]; `mask` is the key
// mask [B, 1, 1, Sk] (key_padding_mask) or undefined.
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& mask) {
  if (compat::uses_blockwise_attention(q.device()))
    return chunked_attention(q, k, v, mask.defined() ? mask.view({mask.size(0), mask.size(-1)}) : torch::Tensor());
  return compat::scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), mask)
      .transpose(1, 2)
      .flatten(2);
}

// -> [B, S, heads, head_dim].
torch::Tensor attention_heads(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& mask) {
  return attention(q, k, v, mask).unflatten(2, {q.size(2), q.size(3)});
}

// Joint attention of the image tokens (this rank's shard when the sequence is split) and the
// text tokens; returns both streams' outputs, [B, tokens, hidden] each.
std::pair<torch::Tensor, torch::Tensor> joint_attention(const StreamQkv& img, const StreamQkv& txt, const torch::Tensor& mask,
                                                        const SequenceParallel* sp) {
  const int64_t L = txt.q.size(1);
  if (!sp) {
    const int64_t N = img.q.size(1);
    auto joint = attention(torch::cat({img.q, txt.q}, 1), torch::cat({img.k, txt.k}, 1), torch::cat({img.v, txt.v}, 1), mask);
    return {joint.narrow(1, 0, N), joint.narrow(1, N, L)};
  }
  // Every rank attends over the whole sequence with its share of the heads.
  const auto heads = [sp](const torch::Tensor& image_part, const torch::Tensor& text_part) {
    return torch::cat({sp->sequence_to_heads(image_part), sp->own_heads(text_part)}, 1);
  };
  auto joint = attention_heads(heads(img.q, txt.q), heads(img.k, txt.k), heads(img.v, txt.v), mask);
  const int64_t N = sp->tokens();
  return {sp->heads_to_sequence(joint.narrow(1, 0, N)).flatten(2), sp->gather_heads(joint.narrow(1, N, L)).flatten(2)};
}

}  // namespace

ModulationImpl::ModulationImpl(int64_t hidden, int64_t chunks_) : chunks(chunks_) {
  linear = register_module("linear", linear_layer(hidden, chunks * hidden));
}

std::vector<torch::Tensor> ModulationImpl::forward_plain(const torch::Tensor& vec) {
  return linear(torch::silu(vec)).chunk(chunks, -1);
}

std::vector<torch::Tensor> ModulationImpl::forward(const DitConditioning& cond, int64_t tokens) {
  auto normal = forward_plain(cond.vec);
  if (cond.ref_tokens == 0) return normal;
  auto reference = forward_plain(cond.ref_vec);
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < chunks; ++i) {
    const int64_t B = normal[i].size(0), D = normal[i].size(1);
    out.push_back(torch::cat({reference[i].unsqueeze(1).expand({B, cond.ref_tokens, D}),
                              normal[i].unsqueeze(1).expand({B, tokens - cond.ref_tokens, D})},
                             1));
  }
  return out;
}

DoubleStreamBlockImpl::DoubleStreamBlockImpl(const DitOptions& o) : heads(o.heads) {
  const int64_t d = o.hidden_size, hd = o.head_dim();
  img_mod = register_module("img_mod", Modulation(d, 6));
  img_attn_qkv = register_module("img_attn_qkv", linear_layer<AdaptableLinear>(d, 3 * d));
  img_attn_q_norm = register_module("img_attn_q_norm", RmsNorm(hd, 1e-6));
  img_attn_k_norm = register_module("img_attn_k_norm", RmsNorm(hd, 1e-6));
  img_attn_proj = register_module("img_attn_proj", linear_layer<AdaptableLinear>(d, d));
  img_mlp = register_module("img_mlp", DitMlp(d, o.mlp_hidden(), true));
  txt_mod = register_module("txt_mod", Modulation(d, 6));
  txt_attn_qkv = register_module("txt_attn_qkv", linear_layer<AdaptableLinear>(d, 3 * d));
  txt_attn_q_norm = register_module("txt_attn_q_norm", RmsNorm(hd, 1e-6));
  txt_attn_k_norm = register_module("txt_attn_k_norm", RmsNorm(hd, 1e-6));
  txt_attn_proj = register_module("txt_attn_proj", linear_layer<AdaptableLinear>(d, d));
  txt_mlp = register_module("txt_mlp", DitMlp(d, o.mlp_hidden(), true));
}

std::pair<torch::Tensor, torch::Tensor> DoubleStreamBlockImpl::forward(const torch::Tensor& img, const torch::Tensor& txt,
                                                                       const DitConditioning& cond, const torch::Tensor& mask,
                                                                       const torch::Tensor& cos, const torch::Tensor& sin) {
  // (shift1, scale1, gate1, shift2, scale2, gate2) per stream; the text stream ignores ref_vec.
  auto im = img_mod(cond, img.size(1));
  auto tm = txt_mod->forward_plain(cond.vec);
  StreamQkv i = split_qkv(img_attn_qkv(modulate(layer_norm_plain(img), im[0], im[1])), heads, img_attn_q_norm, img_attn_k_norm);
  StreamQkv t = split_qkv(txt_attn_qkv(modulate(layer_norm_plain(txt), tm[0], tm[1])), heads, txt_attn_q_norm, txt_attn_k_norm);
  i.q = apply_rope_pairs(i.q, cos, sin);
  i.k = apply_rope_pairs(i.k, cos, sin);
  const auto [img_attn, txt_attn] = joint_attention(i, t, mask, sequence_parallel);
  auto img_out = add_gated(img, im[2], img_attn_proj(img_attn));
  img_out = add_gated(img_out, im[5], img_mlp(modulate(layer_norm_plain(img_out), im[3], im[4])));
  auto txt_out = add_gated(txt, tm[2], txt_attn_proj(txt_attn));
  txt_out = add_gated(txt_out, tm[5], txt_mlp(modulate(layer_norm_plain(txt_out), tm[3], tm[4])));
  return {img_out, txt_out};
}

SingleStreamBlockImpl::SingleStreamBlockImpl(const DitOptions& o)
    : heads(o.heads), hidden(o.hidden_size), mlp_hidden(o.mlp_hidden()) {
  linear1 = register_module("linear1", linear_layer<AdaptableLinear>(hidden, 3 * hidden + mlp_hidden));
  linear2 = register_module("linear2", linear_layer<AdaptableLinear>(hidden + mlp_hidden, hidden));
  q_norm = register_module("q_norm", RmsNorm(o.head_dim(), 1e-6));
  k_norm = register_module("k_norm", RmsNorm(o.head_dim(), 1e-6));
  modulation = register_module("modulation", Modulation(hidden, 3));
}

torch::Tensor SingleStreamBlockImpl::forward(const torch::Tensor& x, int64_t image_tokens, const DitConditioning& cond,
                                             const torch::Tensor& mask, const torch::Tensor& cos, const torch::Tensor& sin) {
  auto mod = modulation(cond, x.size(1));  // shift, scale, gate
  auto y = linear1(modulate(layer_norm_plain(x), mod[0], mod[1]));
  StreamQkv s = split_qkv(y.narrow(-1, 0, 3 * hidden), heads, q_norm, k_norm);
  auto rope_part = [&](const torch::Tensor& t) {
    return torch::cat({apply_rope_pairs(t.narrow(1, 0, image_tokens), cos, sin),
                       t.narrow(1, image_tokens, t.size(1) - image_tokens)},
                      1);
  };
  torch::Tensor attn;
  if (!sequence_parallel) {
    attn = attention(rope_part(s.q), rope_part(s.k), s.v, mask);
  } else {
    const auto q = rope_part(s.q), k = rope_part(s.k);
    const int64_t n = image_tokens, L = x.size(1) - image_tokens;
    const StreamQkv image{q.narrow(1, 0, n), k.narrow(1, 0, n), s.v.narrow(1, 0, n)};
    const StreamQkv text{q.narrow(1, n, L), k.narrow(1, n, L), s.v.narrow(1, n, L)};
    const auto [image_attn, text_attn] = joint_attention(image, text, mask, sequence_parallel);
    attn = torch::cat({image_attn, text_attn}, 1);
  }
  auto out = linear2(torch::cat({attn, torch::gelu(y.narrow(-1, 3 * hidden, mlp_hidden), "tanh")}, -1));
  return add_gated(x, mod[2], out);
}

FinalLayerImpl::FinalLayerImpl(const DitOptions& o) {
  linear = register_module("linear", linear_layer(o.hidden_size, o.patch_volume() * o.out_channels));
  adaLN_modulation = register_module(
      "adaLN_modulation", torch::nn::Sequential(torch::nn::SiLU(), linear_layer(o.hidden_size, 2 * o.hidden_size)));
}

torch::Tensor FinalLayerImpl::forward(const torch::Tensor& img, const torch::Tensor& vec) {
  auto mod = adaLN_modulation->forward(vec).chunk(2, -1);  // original order: (shift, scale)
  return linear(modulate(layer_norm_plain(img), mod[0], mod[1]));
}

}  // namespace viva
