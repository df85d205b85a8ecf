#include "viva/nn/seeded_random.h"

namespace viva {

void seed_everything(uint64_t seed) {
  torch::manual_seed(seed);
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
}

torch::Tensor cpu_randn(at::IntArrayRef sizes, c10::optional<torch::Generator> generator,
                        const torch::TensorOptions& options) {
  const auto noise = torch::randn(sizes, generator, torch::TensorOptions().dtype(torch::kFloat32));
  return noise.to(options.device(), options.dtype());
}

}  // namespace viva
