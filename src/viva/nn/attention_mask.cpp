#include "viva/nn/attention_mask.h"

#include <limits>

namespace viva {

torch::Tensor causal_attention_mask(const torch::Tensor& attention_mask, int64_t batch, int64_t length,
                                    torch::Device device, torch::ScalarType dtype) {
  auto allowed = torch::ones({length, length}, torch::TensorOptions().dtype(torch::kBool).device(device)).tril();
  auto keep = allowed.view({1, 1, length, length}).expand({batch, 1, length, length});
  if (attention_mask.defined())
    keep = keep.logical_and(attention_mask.to(device).to(torch::kBool).view({batch, 1, 1, length}));
  const double lowest = dtype == torch::kFloat32 ? std::numeric_limits<float>::lowest() : -65504.0;
  return torch::zeros({batch, 1, length, length}, torch::TensorOptions().dtype(dtype).device(device))
      .masked_fill(keep.logical_not(), lowest);
}

}  // namespace viva
