#pragma once
// Seeding and seeded noise: the same draws for a seed on any device.
#include <torch/torch.h>

#include <cstdint>

namespace viva {

// Seeds torch's CPU and (when present) CUDA generators.
void seed_everything(uint64_t seed);

// Standard normal noise of `sizes` drawn on the CPU (from `generator` when given: viva's seeded
// generators are CPU ones) and moved to `options`' device and dtype: the same draws on any device.
torch::Tensor cpu_randn(at::IntArrayRef sizes, c10::optional<torch::Generator> generator,
                        const torch::TensorOptions& options);

}  // namespace viva
