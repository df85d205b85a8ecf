#include "viva/models/vae/vae_layers.h"

#include <limits>

#include "viva/core/compat.h"

namespace viva {
torch::nn::GroupNorm vae_group_norm(int64_t groups, int64_t channels) {
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups, channels).eps(1e-6));
}

CausalConv3dImpl::CausalConv3dImpl(int64_t in, int64_t out, int64_t kernel_, std::array<int64_t, 3> stride)
    : kernel(kernel_) {
  conv = register_module("conv", torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, kernel).stride(
                                      torch::ExpandingArray<3>({stride[0], stride[1], stride[2]}))));
}

torch::Tensor CausalConv3dImpl::forward(const torch::Tensor& x) {
  if (kernel == 1) return conv(x);
  const int64_t s = kernel / 2;
  namespace F = torch::nn::functional;
  const auto replicate = F::PadFuncOptions({s, s, s, s, kernel - 1, 0}).mode(torch::kReplicate);
  const bool staged = x.scalar_type() == torch::kBFloat16 && !compat::replicate_pad_takes_bf16(x.device());
  const auto padded = staged ? F::pad(x.to(torch::kFloat32), replicate).to(x.scalar_type()) : F::pad(x, replicate);
  return conv(padded);
}

VaeResnetImpl::VaeResnetImpl(int64_t in, int64_t out, int64_t groups) {
  norm1 = register_module("norm1", vae_group_norm(groups, in));
  conv1 = register_module("conv1", CausalConv3d(in, out, 3));
  norm2 = register_module("norm2", vae_group_norm(groups, out));
  conv2 = register_module("conv2", CausalConv3d(out, out, 3));
  if (in != out) conv_shortcut = register_module("conv_shortcut", CausalConv3d(in, out, 1));
}

torch::Tensor VaeResnetImpl::forward(const torch::Tensor& x) {
  auto h = conv1(torch::silu(norm1(x)));
  h = conv2(torch::silu(norm2(h)));
  return (conv_shortcut ? conv_shortcut(x) : x) + h;
}

VaeDownsampleImpl::VaeDownsampleImpl(int64_t channels, std::array<int64_t, 3> stride) {
  conv = register_module("conv", CausalConv3d(channels, channels, 3, stride));
}

VaeUpsampleImpl::VaeUpsampleImpl(int64_t channels, std::array<int64_t, 3> factor_) : factor(factor_) {
  conv = register_module("conv", CausalConv3d(channels, channels, 3));
}

torch::Tensor VaeUpsampleImpl::forward(const torch::Tensor& x) { return conv(upsampled(x)); }

torch::Tensor VaeUpsampleImpl::upsampled(const torch::Tensor& x) const {
  namespace F = torch::nn::functional;
  // In x's own dtype: nearest interpolation copies values, so it is exact in bf16 too (the
  // reference goes through float32 for bf16, which at the last upsample held full-resolution
  // float32 copies of every tile: gigabytes on a GPU). Staged in float32 only where the
  // kernel takes no bf16.
  const bool staged = x.scalar_type() == torch::kBFloat16 && !compat::nearest_interpolation_takes_bf16(x.device());
  const torch::Tensor in = staged ? x.to(torch::kFloat32) : x;
  const int64_t T = in.size(2);
  auto first = F::interpolate(in.select(2, 0), F::InterpolateFuncOptions()
                                                     .scale_factor(std::vector<double>{double(factor[1]), double(factor[2])})
                                                     .mode(torch::kNearest))
                   .unsqueeze(2);
  torch::Tensor up = first;
  if (T > 1) {
    auto rest = F::interpolate(in.narrow(2, 1, T - 1),
                               F::InterpolateFuncOptions()
                                   .scale_factor(std::vector<double>{double(factor[0]), double(factor[1]), double(factor[2])})
                                   .mode(torch::kNearest));
    up = torch::cat({first, rest}, 2);
  }
  return staged ? up.to(x.scalar_type()) : up;
}

VaeAttentionImpl::VaeAttentionImpl(int64_t channels, int64_t groups) {
  group_norm = register_module("group_norm", vae_group_norm(groups, channels));
  to_q = register_module("to_q", torch::nn::Linear(channels, channels));
  to_k = register_module("to_k", torch::nn::Linear(channels, channels));
  to_v = register_module("to_v", torch::nn::Linear(channels, channels));
  to_out = register_module("to_out", torch::nn::ModuleList(torch::nn::Linear(channels, channels)));
}

torch::Tensor VaeAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), C = x.size(1), T = x.size(2), H = x.size(3), W = x.size(4), N = T * H * W;
  auto tokens = group_norm(x.reshape({B, C, N})).transpose(1, 2);  // [B, N, C], (t, h, w) order
  auto q = to_q(tokens).unsqueeze(1), k = to_k(tokens).unsqueeze(1), v = to_v(tokens).unsqueeze(1);
  // Block-causal: a token of frame i sees every token of frames <= i.
  auto frame = torch::arange(N, torch::TensorOptions().dtype(torch::kInt64).device(x.device())).div(H * W, "floor");
  auto keep = frame.unsqueeze(1) >= frame.unsqueeze(0);
  auto mask = torch::zeros({N, N}, x.options()).masked_fill(keep.logical_not(), -std::numeric_limits<float>::infinity());
  auto out = compat::scaled_dot_product_attention(q, k, v, mask).squeeze(1);
  out = to_out[0]->as<torch::nn::Linear>()->forward(out);
  return x + out.transpose(1, 2).reshape({B, C, T, H, W});
}

VaeMidBlockImpl::VaeMidBlockImpl(int64_t channels, int64_t groups) {
  // The second block draws its initial weights first, as it did in the GCC builds that wrote
  // every model so far: C++ leaves the order of a call's arguments open, so one seed gave two
  // models under GCC and clang until the order was spelled out.
  VaeResnet second(channels, channels, groups);
  VaeResnet first(channels, channels, groups);
  resnets = register_module("resnets", torch::nn::ModuleList(first, second));
  attentions = register_module("attentions", torch::nn::ModuleList(VaeAttention(channels, groups)));
}

torch::Tensor VaeMidBlockImpl::forward(const torch::Tensor& x) {
  auto h = resnets[0]->as<VaeResnet>()->forward(x);
  h = attentions[0]->as<VaeAttention>()->forward(h);
  return resnets[1]->as<VaeResnet>()->forward(h);
}

VaeStageImpl::VaeStageImpl(int64_t in, int64_t out, int64_t count, int64_t groups, std::array<int64_t, 3> resample,
                           bool upsample) {
  resnets = register_module("resnets", torch::nn::ModuleList());
  for (int64_t j = 0; j < count; ++j) resnets->push_back(VaeResnet(j == 0 ? in : out, out, groups));
  if (resample == std::array<int64_t, 3>{1, 1, 1}) return;
  if (upsample)
    upsamplers = register_module("upsamplers", torch::nn::ModuleList(VaeUpsample(out, resample)));
  else
    downsamplers = register_module("downsamplers", torch::nn::ModuleList(VaeDownsample(out, resample)));
}

torch::Tensor VaeStageImpl::forward(torch::Tensor x) {
  for (const auto& r : *resnets) x = r->as<VaeResnet>()->forward(x);
  if (downsamplers)
    for (const auto& d : *downsamplers) x = d->as<VaeDownsample>()->forward(x);
  if (upsamplers)
    for (const auto& u : *upsamplers) x = u->as<VaeUpsample>()->forward(x);
  return x;
}

}  // namespace viva
