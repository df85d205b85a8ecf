#pragma once
// Layers of the causal 3D VAE (hunyuanvideo.md §3.2–3.4), with the reference's names.
#include <torch/torch.h>

#include <array>

namespace viva {

// GroupNorm as every VAE norm is configured (affine, eps 1e-6).
torch::nn::GroupNorm vae_group_norm(int64_t groups, int64_t channels);

// Replicate-pad (W, W, H, H, T-front k-1, 0) then an unpadded Conv3d ("conv"): output frame n
// sees input frames <= n only.
struct CausalConv3dImpl : torch::nn::Module {
  CausalConv3dImpl(int64_t in, int64_t out, int64_t kernel, std::array<int64_t, 3> stride = {1, 1, 1});
  torch::Tensor forward(const torch::Tensor& x);  // [B, C, T, H, W]
  int64_t kernel;
  torch::nn::Conv3d conv{nullptr};
};
TORCH_MODULE(CausalConv3d);

// GN -> SiLU -> conv1 -> GN -> SiLU -> conv2, plus a 1x1x1 causal shortcut when channels change.
struct VaeResnetImpl : torch::nn::Module {
  VaeResnetImpl(int64_t in, int64_t out, int64_t groups);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  CausalConv3d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
};
TORCH_MODULE(VaeResnet);

struct VaeDownsampleImpl : torch::nn::Module {
  VaeDownsampleImpl(int64_t channels, std::array<int64_t, 3> stride);
  torch::Tensor forward(const torch::Tensor& x) { return conv(x); }
  CausalConv3d conv{nullptr};
};
TORCH_MODULE(VaeDownsample);

// First frame upsampled in space only; the rest by the full (t, h, w) factor; then a causal conv.
struct VaeUpsampleImpl : torch::nn::Module {
  VaeUpsampleImpl(int64_t channels, std::array<int64_t, 3> factor);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor upsampled(const torch::Tensor& x) const;  // before the conv, in x's dtype
  std::array<int64_t, 3> factor;
  CausalConv3d conv{nullptr};
};
TORCH_MODULE(VaeUpsample);

// Single-head self-attention over all (t, h, w) tokens with a block-causal frame mask.
struct VaeAttentionImpl : torch::nn::Module {
  VaeAttentionImpl(int64_t channels, int64_t groups);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::GroupNorm group_norm{nullptr};
  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
  torch::nn::ModuleList to_out{nullptr};  // [Linear] ("to_out.0")
};
TORCH_MODULE(VaeAttention);

struct VaeMidBlockImpl : torch::nn::Module {
  VaeMidBlockImpl(int64_t channels, int64_t groups);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};
};
TORCH_MODULE(VaeMidBlock);

// One encoder down block or decoder up block: `count` resnets (in -> out, then out -> out),
// then a downsampler (encoder) or upsampler (decoder) when `resample` is not {1, 1, 1}.
struct VaeStageImpl : torch::nn::Module {
  VaeStageImpl(int64_t in, int64_t out, int64_t count, int64_t groups, std::array<int64_t, 3> resample, bool upsample);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::ModuleList resnets{nullptr};
  torch::nn::ModuleList downsamplers{nullptr}, upsamplers{nullptr};
};
TORCH_MODULE(VaeStage);

}  // namespace viva
