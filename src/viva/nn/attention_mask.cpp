#include "viva/nn/attention_mask.h"

#include <limits>

namespace viva {

double lowest_finite(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat64: return std::numeric_limits<double>::lowest();
    case torch::kFloat16: return -65504.0;
    case torch::kBFloat16: return -3.3895313892515355e38;  // -(2 - 2^-7) * 2^127
    default: return std::numeric_limits<float>::lowest();
  }
}

torch::Tensor additive_attention_mask(const torch::Tensor& keep, torch::ScalarType dtype) {
  return torch::zeros(keep.sizes(), keep.options().dtype(dtype)).masked_fill(keep.logical_not(), lowest_finite(dtype));
}

torch::Tensor causal_attention_mask(const torch::Tensor& attention_mask, int64_t batch, int64_t length,
                                    torch::Device device, torch::ScalarType dtype) {
  auto allowed = torch::ones({length, length}, torch::TensorOptions().dtype(torch::kBool).device(device)).tril();
  auto keep = allowed.view({1, 1, length, length}).expand({batch, 1, length, length});
  if (attention_mask.defined())
    keep = keep.logical_and(attention_mask.to(device).to(torch::kBool).view({batch, 1, 1, length}));
  return additive_attention_mask(keep, dtype);
}

}  // namespace viva
