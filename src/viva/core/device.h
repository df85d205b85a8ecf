#pragma once
// --device and --dtype as users type them, checked against what this build and machine have.
#include <torch/torch.h>

#include <string>

namespace viva {

// "cpu", "cuda" or "cuda:N"; throws viva::Error when CUDA is absent or N is out of range.
torch::Device parse_device(const std::string& name);
// "fp32" | "bf16" | "fp16" (also "float32", "bfloat16", "float16").
torch::ScalarType parse_compute_dtype(const std::string& name);
// As above, or "auto": bf16 on CUDA (half the memory, and the fused attention kernels take
// it), fp32 elsewhere (the CPU's bf16 matrix products are slower than its fp32 ones).
torch::ScalarType parse_compute_dtype(const std::string& name, torch::Device device);
// Throws when the pair cannot run (fp16 on CPU).
void check_device_dtype(torch::Device device, torch::ScalarType dtype);
// A GPU with an index becomes the calling thread's current device, where CUDA's libraries and
// NCCL put what they create without being told a device; nothing otherwise.
void make_current(torch::Device device);
std::string dtype_label(torch::ScalarType dtype);  // "fp32", "bf16", "fp16", or torch's name

}  // namespace viva

namespace viva {

// Sets libtorch's intra-op CPU threads: `requested` when > 0, else OMP_NUM_THREADS when set,
// else every hardware thread (Debian's libtorch otherwise starts with one).
void configure_cpu_threads(int requested);

// Unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set, restarts the program (same pid, same
// arguments) with OMP_WAIT_POLICY=PASSIVE, the first thing in main. libgomp's default is to
// spin after every parallel region, and a spinning thread takes a core from OpenBLAS's own
// threads during the next matrix product: on a 2-core machine that made the DiT about twice as
// slow (docs/performance.md). libgomp reads the setting when it is loaded, before main, hence
// the restart.
void wait_passively_in_openmp(char** argv);
// Whether the user chose libgomp's waiting (OMP_WAIT_POLICY or GOMP_SPINCOUNT set).
bool openmp_wait_policy_chosen();

}  // namespace viva
