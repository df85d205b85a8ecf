#include "viva/models/vae/causal_vae.h"

#include "viva/core/error.h"
#include "viva/models/vae/vae_tiling.h"
#include "viva/nn/seeded_random.h"

namespace viva {
VaeEncoderImpl::VaeEncoderImpl(const VaeOptions& o) {
  const auto& ch = o.block_out_channels;
  conv_in = register_module("conv_in", CausalConv3d(3, ch[0], 3));
  down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  int64_t in = ch[0];
  for (int64_t i = 0; i < o.num_blocks(); ++i) {
    down_blocks->push_back(VaeStage(in, ch[i], o.layers_per_block, o.norm_groups, o.resample_factor(i), false));
    in = ch[i];
  }
  mid_block = register_module("mid_block", VaeMidBlock(ch.back(), o.norm_groups));
  conv_norm_out = register_module("conv_norm_out", vae_group_norm(o.norm_groups, ch.back()));
  conv_out = register_module("conv_out", CausalConv3d(ch.back(), 2 * o.latent_channels, 3));
}

torch::Tensor VaeEncoderImpl::forward(const torch::Tensor& video) {
  auto h = conv_in(video);
  for (const auto& block : *down_blocks) h = block->as<VaeStage>()->forward(h);
  h = mid_block(h);
  return conv_out(torch::silu(conv_norm_out(h)));
}

VaeDecoderImpl::VaeDecoderImpl(const VaeOptions& o) {
  std::vector<int64_t> ch(o.block_out_channels.rbegin(), o.block_out_channels.rend());
  conv_in = register_module("conv_in", CausalConv3d(o.latent_channels, ch[0], 3));
  mid_block = register_module("mid_block", VaeMidBlock(ch[0], o.norm_groups));
  up_blocks = register_module("up_blocks", torch::nn::ModuleList());
  int64_t in = ch[0];
  for (int64_t i = 0; i < o.num_blocks(); ++i) {
    up_blocks->push_back(VaeStage(in, ch[i], o.layers_per_block + 1, o.norm_groups, o.resample_factor(i), true));
    in = ch[i];
  }
  conv_norm_out = register_module("conv_norm_out", vae_group_norm(o.norm_groups, ch.back()));
  conv_out = register_module("conv_out", CausalConv3d(ch.back(), 3, 3));
}

torch::Tensor VaeDecoderImpl::forward(const torch::Tensor& z) {
  auto h = mid_block(conv_in(z));
  for (const auto& block : *up_blocks) h = block->as<VaeStage>()->forward(h);
  return conv_out(torch::silu(conv_norm_out(h)));
}

torch::Tensor VaePosterior::sample(c10::optional<torch::Generator> generator) const {
  auto noise = cpu_randn(mean.sizes(), generator, mean.options());
  return mean + torch::exp(0.5 * logvar) * noise;
}

CausalVaeImpl::CausalVaeImpl(const VaeOptions& o) : options(o) {
  o.validate("VAE options");
  encoder = register_module("encoder", VaeEncoder(o));
  decoder = register_module("decoder", VaeDecoder(o));
  quant_conv = register_module("quant_conv", torch::nn::Conv3d(2 * o.latent_channels, 2 * o.latent_channels, 1));
  post_quant_conv = register_module("post_quant_conv", torch::nn::Conv3d(o.latent_channels, o.latent_channels, 1));
}

torch::Tensor CausalVaeImpl::encode_moments_untiled(const torch::Tensor& video) { return quant_conv(encoder(video)); }

torch::Tensor CausalVaeImpl::decode_untiled(const torch::Tensor& z) { return decoder(post_quant_conv(z)); }

VaePosterior CausalVaeImpl::encode_posterior(const torch::Tensor& video) {
  const int64_t sc = options.spatial_compression, tc = options.time_compression;
  if (video.dim() != 5 || video.size(1) != 3)
    throw Error("VAE encode", "expected video [B, 3, F, H, W], got " + c10::str(video.sizes()));
  if ((video.size(2) - 1) % tc != 0)
    throw Error("VAE encode", std::to_string(video.size(2)) + " frames is not 1 + " + std::to_string(tc) + "k");
  if (video.size(3) % sc != 0 || video.size(4) % sc != 0)
    throw Error("VAE encode", "height and width must be multiples of " + std::to_string(sc));
  auto moments = tiling ? vae_encode_tiled(*this, video) : encode_moments_untiled(video);
  auto halves = moments.chunk(2, 1);
  return {halves[0], halves[1].clamp(-30.0, 20.0)};
}

torch::Tensor CausalVaeImpl::encode(const torch::Tensor& video) {
  return encode_posterior(video).mean * options.scaling_factor;
}

torch::Tensor CausalVaeImpl::decode(const torch::Tensor& latent) {
  if (latent.dim() != 5 || latent.size(1) != options.latent_channels)
    throw Error("VAE decode", "expected latent [B, " + std::to_string(options.latent_channels) + ", T, h, w], got " +
                                  c10::str(latent.sizes()));
  auto z = latent / options.scaling_factor;
  return tiling ? vae_decode_tiled(*this, z) : decode_untiled(z);
}

}  // namespace viva
