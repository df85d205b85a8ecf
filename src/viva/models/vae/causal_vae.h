#pragma once
// HunyuanVideo's causal 3D VAE (AutoencoderKLCausal3D / AutoencoderKLHunyuanVideo). Names are
// identical in the original and diffusers layouts, so checkpoints load by name.
//   video [B, 3, 1 + 4k, H, W] in [-1, 1]  <->  latent [B, C, 1 + k, H/8, W/8]
// encode/decode switch to tiles (vae_tiling.h) when the input exceeds the tile size.
#include <torch/torch.h>

#include "viva/models/vae/vae_layers.h"
#include "viva/models/vae/vae_options.h"

namespace viva {

struct VaeEncoderImpl : torch::nn::Module {
  explicit VaeEncoderImpl(const VaeOptions& o);
  torch::Tensor forward(const torch::Tensor& video);  // -> [B, 2C, T', h, w] (mean | logvar)
  CausalConv3d conv_in{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList down_blocks{nullptr};
  VaeMidBlock mid_block{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VaeEncoder);

struct VaeDecoderImpl : torch::nn::Module {
  explicit VaeDecoderImpl(const VaeOptions& o);
  torch::Tensor forward(const torch::Tensor& z);  // unscaled latent -> video
  CausalConv3d conv_in{nullptr}, conv_out{nullptr};
  VaeMidBlock mid_block{nullptr};
  torch::nn::ModuleList up_blocks{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VaeDecoder);

struct VaePosterior {
  torch::Tensor mean;    // [B, C, T', h, w], unscaled
  torch::Tensor logvar;  // clamped to [-30, 20]
  // mean + exp(logvar / 2) * noise
  torch::Tensor sample(c10::optional<torch::Generator> generator = c10::nullopt) const;
};

struct CausalVaeImpl : torch::nn::Module {
  explicit CausalVaeImpl(const VaeOptions& o);

  // The Gaussian posterior (tiled when large). video: [B, 3, F, H, W], F = 1 + 4k, H, W
  // multiples of the spatial compression.
  VaePosterior encode_posterior(const torch::Tensor& video);
  // Latent scaled by scaling_factor, from the posterior mean (the DiT's input convention).
  torch::Tensor encode(const torch::Tensor& video);
  // Scaled latent -> video in [-1, 1] (not clamped; tiled when large).
  torch::Tensor decode(const torch::Tensor& latent);

  // Whole-tensor passes without tiling (what the reference calls directly).
  torch::Tensor encode_moments_untiled(const torch::Tensor& video);  // quant_conv(encoder(video))
  torch::Tensor decode_untiled(const torch::Tensor& z);              // decoder(post_quant_conv(z)), unscaled z

  VaeOptions options;
  bool tiling = true;  // use tiles when the input exceeds them (options.tile_*)
  VaeEncoder encoder{nullptr};
  VaeDecoder decoder{nullptr};
  torch::nn::Conv3d quant_conv{nullptr}, post_quant_conv{nullptr};
};
TORCH_MODULE(CausalVae);

}  // namespace viva
