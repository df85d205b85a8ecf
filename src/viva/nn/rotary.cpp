#include "viva/nn/rotary.h"

namespace viva {

std::pair<torch::Tensor, torch::Tensor> rope_cos_sin(const torch::Tensor& positions, int64_t head_dim, double theta) {
  auto options = torch::TensorOptions().dtype(torch::kFloat32).device(positions.device());
  auto inv_freq = 1.0 / torch::pow(theta, torch::arange(0, head_dim, 2, options) / static_cast<double>(head_dim));
  auto freqs = positions.to(torch::kFloat32).unsqueeze(-1) * inv_freq;  // [B, L, head_dim/2]
  auto angles = torch::cat({freqs, freqs}, -1).unsqueeze(1);          // [B, 1, L, head_dim]
  return {angles.cos(), angles.sin()};
}

torch::Tensor apply_rope_rotate_half(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto x32 = x.to(torch::kFloat32);
  auto rotated = torch::cat({-x32.narrow(-1, half, half), x32.narrow(-1, 0, half)}, -1);
  return (x32 * cos + rotated * sin).to(x.scalar_type());
}

}  // namespace viva
