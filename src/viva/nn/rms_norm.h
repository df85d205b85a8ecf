#pragma once
// RMSNorm as Llama uses it: normalise in float32, scale by a learned weight.
#include <torch/torch.h>

namespace viva {

struct RmsNormImpl : torch::nn::Module {
  RmsNormImpl(int64_t dim, double eps);
  // x: [..., dim]
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;
  double eps;
};
TORCH_MODULE(RmsNorm);

}  // namespace viva
