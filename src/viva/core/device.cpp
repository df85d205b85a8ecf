#include "viva/core/device.h"

#include <ATen/Parallel.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <thread>

#include "viva/core/error.h"

namespace viva {

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available())
      throw Error("--device " + name, "CUDA is not available (this libtorch has no CUDA or no GPU is visible)");
    int index = 0;
    if (name.size() > 5) {
      try {
        std::size_t used = 0;
        index = std::stoi(name.substr(5), &used);
        if (used != name.size() - 5) throw std::invalid_argument(name);
      } catch (const std::exception&) {
        throw Error("--device " + name, "expected cuda:<index>");
      }
    }
    const int count = static_cast<int>(torch::cuda::device_count());
    if (index < 0 || index >= count)
      throw Error("--device " + name, "there are " + std::to_string(count) + " CUDA devices");
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw Error("--device " + name, "expected cpu, cuda or cuda:<index>");
}

namespace {

std::optional<torch::ScalarType> named_dtype(const std::string& name) {
  if (name == "fp32" || name == "float32") return torch::kFloat32;
  if (name == "bf16" || name == "bfloat16") return torch::kBFloat16;
  if (name == "fp16" || name == "float16") return torch::kFloat16;
  return std::nullopt;
}

}  // namespace

torch::ScalarType parse_compute_dtype(const std::string& name) {
  if (const auto dtype = named_dtype(name)) return *dtype;
  throw Error("--dtype " + name, "expected fp32, bf16 or fp16");
}

torch::ScalarType parse_compute_dtype(const std::string& name, torch::Device device) {
  if (name == "auto") return device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;
  if (const auto dtype = named_dtype(name)) return *dtype;
  throw Error("--dtype " + name, "expected auto, fp32, bf16 or fp16");
}

void make_current(torch::Device device) {
  if (device.is_cuda() && device.has_index()) c10::impl::VirtualGuardImpl(device.type()).setDevice(device);
}

void check_device_dtype(torch::Device device, torch::ScalarType dtype) {
  if (device.is_cpu() && dtype == torch::kFloat16)
    throw Error("--dtype fp16", "half precision is not supported on CPU; use fp32 (or bf16)");
}

std::string dtype_label(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return "fp32";
    case torch::kBFloat16: return "bf16";
    case torch::kFloat16: return "fp16";
    default: return c10::toString(dtype);
  }
}

}  // namespace viva

namespace viva {

bool openmp_wait_policy_chosen() { return std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT"); }

void wait_passively_in_openmp(char** argv) {
  if (openmp_wait_policy_chosen()) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on as started
}

void configure_cpu_threads(int requested) {
  if (requested > 0) {
    at::set_num_threads(requested);
    return;
  }
  if (std::getenv("OMP_NUM_THREADS")) return;
  const unsigned hardware = std::thread::hardware_concurrency();
  if (hardware > 0) at::set_num_threads(static_cast<int>(hardware));
}

}  // namespace viva
