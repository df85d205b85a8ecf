#pragma once
// Building blocks of the HunyuanVideo DiT (hunyuanvideo.md §1): embedders, 3D RoPE, the token
// refiner. Module names are the original Tencent checkpoint names.
#include <torch/torch.h>

#include "viva/models/dit/dit_options.h"
#include "viva/nn/adaptable_linear.h"

namespace viva {

// Sinusoid of a float timestep, [cos | sin] halves (cos first), f_i = exp(-ln(1e4) i / (dim/2)).
// t: [B] -> [B, dim] float32.
torch::Tensor timestep_sinusoid(const torch::Tensor& t, int64_t dim = 256);

// time_in / guidance_in / txt_in.t_embedder: sinusoid(256) -> mlp.0 Linear -> SiLU -> mlp.2 Linear.
struct TimestepEmbedderImpl : torch::nn::Module {
  explicit TimestepEmbedderImpl(int64_t hidden);
  torch::Tensor forward(const torch::Tensor& t);  // [B] -> [B, hidden]
  torch::nn::Sequential mlp{nullptr};
};
TORCH_MODULE(TimestepEmbedder);

// vector_in: in_layer -> SiLU -> out_layer.
struct MlpEmbedderImpl : torch::nn::Module {
  MlpEmbedderImpl(int64_t in, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear in_layer{nullptr}, out_layer{nullptr};
};
TORCH_MODULE(MlpEmbedder);

// img_in (and VIVA's src_in): Conv3d with kernel = stride = patch. [B, C, T, H, W] -> [B, N, hidden]
// with tokens in (t, h, w) raster order.
struct PatchEmbedImpl : torch::nn::Module {
  PatchEmbedImpl(const DitOptions& o, int64_t in_channels);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv3d proj{nullptr};
};
TORCH_MODULE(PatchEmbed);

// 3D RoPE tables (§1.7) for a post-patch grid of T x H x W tokens whose time index starts at
// `t_start` (VIVA's reference frame sits at -1). Returns cos, sin: [T*H*W, head_dim] float32,
// values repeated in adjacent pairs.
std::pair<torch::Tensor, torch::Tensor> rope_3d_tables(const DitOptions& o, int64_t t, int64_t h, int64_t w,
                                                       int64_t t_start = 0, torch::Device device = torch::kCPU);

// Adjacent-pair rotation: x [B, S, heads, head_dim], cos/sin [S, head_dim].
torch::Tensor apply_rope_pairs(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

// Non-affine LayerNorm, eps 1e-6, used before every modulation.
torch::Tensor layer_norm_plain(const torch::Tensor& x);
// An affine LayerNorm computed in the wider of x's and its weights' dtypes: what CUDA's autocast
// does (float32), and what the CPU's autocast in libtorch 1.x does not (it refuses a bf16 x with
// float32 weights).
torch::Tensor layer_norm_widened(const torch::nn::LayerNorm& norm, const torch::Tensor& x);

// x * (1 + scale) + shift; shift/scale are [B, D] (one value per sample) or [B, N, D] (per token).
torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale);
// x + gate * y (a gated residual) with the same broadcasting.
torch::Tensor add_gated(const torch::Tensor& x, const torch::Tensor& gate, const torch::Tensor& y);

// fc1 -> activation -> fc2 (the refiner uses SiLU, the DiT blocks GELU-tanh).
struct DitMlpImpl : torch::nn::Module {
  DitMlpImpl(int64_t dim, int64_t hidden, bool gelu_tanh);
  torch::Tensor forward(const torch::Tensor& x);
  bool gelu_tanh;
  AdaptableLinear fc1{nullptr}, fc2{nullptr};  // a LoRA may target them
};
TORCH_MODULE(DitMlp);

struct TokenRefinerBlockImpl : torch::nn::Module {
  explicit TokenRefinerBlockImpl(const DitOptions& o);
  // x: [B, L, hidden]; c: [B, hidden]; mask: additive [B, 1, L, L]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c, const torch::Tensor& mask);

  int64_t heads;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Linear self_attn_qkv{nullptr}, self_attn_proj{nullptr};
  DitMlp mlp{nullptr};
  torch::nn::Sequential adaLN_modulation{nullptr};  // [SiLU, Linear(hidden -> 2 hidden)]: gates only
};
TORCH_MODULE(TokenRefinerBlock);

// c_embedder: linear_1 -> SiLU -> linear_2.
struct TextProjectionImpl : torch::nn::Module {
  TextProjectionImpl(int64_t in, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(TextProjection);

struct IndividualTokenRefinerImpl : torch::nn::Module {
  explicit IndividualTokenRefinerImpl(const DitOptions& o);
  torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(IndividualTokenRefiner);

// txt_in ("single_refiner", §1.3): makes the causal LLM states bidirectional.
struct TokenRefinerImpl : torch::nn::Module {
  explicit TokenRefinerImpl(const DitOptions& o);
  // text: [B, L, text_dim]; t: [B]; mask: [B, L] (true = valid) or undefined (all valid)
  // -> [B, L, hidden]
  torch::Tensor forward(const torch::Tensor& text, const torch::Tensor& t, const torch::Tensor& mask);

  torch::nn::Linear input_embedder{nullptr};
  TimestepEmbedder t_embedder{nullptr};
  TextProjection c_embedder{nullptr};
  IndividualTokenRefiner individual_token_refiner{nullptr};
};
TORCH_MODULE(TokenRefiner);

// The text a forward pass attends over: right padding (the instructor pads on the right) cut to
// the longest valid length of the batch. `mask` is undefined when every sample fills that
// length, so attention carries no mask at all (libtorch 2.x on CUDA can then take its flash
// kernel); otherwise it is the [B, L] validity left for a boolean key mask. A mask that is
// not a prefix (padding inside the text) is kept whole.
struct ValidText {
  torch::Tensor states;  // [B, L', text_dim]
  torch::Tensor mask;    // [B, L'] bool, or undefined: every token valid
};
ValidText valid_text(const torch::Tensor& text, const torch::Tensor& text_mask);

// Boolean attention mask over keys, [B, 1, 1, S] (true: may be attended), or undefined when
// `keep` [B, S] is undefined (every key may be).
torch::Tensor key_padding_mask(const torch::Tensor& keep);

}  // namespace viva
