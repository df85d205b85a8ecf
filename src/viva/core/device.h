#pragma once
// --device and --dtype as users type them, checked against what this build and machine have.
#include <torch/torch.h>

#include <string>

namespace viva {

// "cpu", "cuda" or "cuda:N"; throws viva::Error when CUDA is absent or N is out of range.
torch::Device parse_device(const std::string& name);
// "fp32" | "bf16" | "fp16" (also "float32", "bfloat16", "float16").
torch::ScalarType parse_compute_dtype(const std::string& name);
// Throws when the pair cannot run (fp16 on CPU).
void check_device_dtype(torch::Device device, torch::ScalarType dtype);
std::string dtype_label(torch::ScalarType dtype);  // "fp32", "bf16", "fp16", or torch's name

}  // namespace viva

namespace viva {

// Sets libtorch's intra-op CPU threads: `requested` when > 0, else OMP_NUM_THREADS when set,
// else every hardware thread (Debian's libtorch otherwise starts with one).
void configure_cpu_threads(int requested);

}  // namespace viva
