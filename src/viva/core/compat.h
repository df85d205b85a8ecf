#pragma once
// The one place that knows which libtorch we build against. Debian ships 1.13 (CPU); GPU
// machines use a pip torch (2.x, CUDA). Everything version-specific lives here.
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>

#include <torch/torch.h>
#include <torch/version.h>
#include <ATen/autocast_mode.h>

#define VIVA_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace viva::compat {

// The key of parameter `p` in an optimizer's state map: libtorch 1.x keys it by the string of
// the TensorImpl address, later versions by the address itself.
template <class StateMap>
typename StateMap::key_type optimizer_state_key(const StateMap&, const torch::Tensor& p) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream address;  // what 1.x's c10::guts::to_string(impl) wrote; 2.x dropped it
    address << p.unsafeGetTensorImpl();
    return address.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

// softmax(q kᵀ / sqrt(d) + mask) v. q: [B, H, Lq, D], k, v: [B, H, Lk, D]; mask is additive
// (float, broadcastable to [B, H, Lq, Lk]) or boolean (true = attend), or undefined. Uses the
// fused kernel on libtorch 2.x and the composite on 1.13; both compute softmax in float32.
inline torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k,
                                                  const torch::Tensor& v,
                                                  const torch::Tensor& mask = {},
                                                  bool causal = false) {
#if VIVA_TORCH_AT_LEAST(2, 0)
  return at::scaled_dot_product_attention(q, k, v, mask.defined() ? c10::optional<at::Tensor>(mask) : c10::nullopt,
                                          0.0, causal);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto scores = torch::matmul(q, k.transpose(-2, -1)).to(torch::kFloat32) * scale;
  if (causal) {
    auto keep = torch::ones({q.size(-2), k.size(-2)}, q.options().dtype(torch::kBool)).tril();
    scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<float>::infinity());
  }
  if (mask.defined()) {
    if (mask.scalar_type() == torch::kBool)
      scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
    else
      scores = scores + mask.to(torch::kFloat32);
  }
  return torch::matmul(torch::softmax(scores, -1).to(v.scalar_type()), v);
#endif
}

// Whether attention on `device` should use viva's blockwise CPU attention
// (nn/chunked_attention.h) rather than scaled_dot_product_attention: libtorch 1.x on the CPU,
// which has only the composite above. libtorch 2.x has fused kernels (flash on the CPU too).
inline bool uses_blockwise_attention(const torch::Device& device) {
#if VIVA_TORCH_AT_LEAST(2, 0)
  (void)device;
  return false;
#else
  return device.is_cpu();
#endif
}

// The kernel scaled_dot_product_attention dispatches to for these inputs (benchmarks report it).
inline std::string attention_kernel(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                    const torch::Tensor& mask = {}) {
#if VIVA_TORCH_AT_LEAST(2, 0)
  // The values of sdp::SDPBackend.
  switch (at::_fused_sdp_choice(q, k, v, mask.defined() ? c10::optional<at::Tensor>(mask) : c10::nullopt, 0.0, false)) {
    case 0: return "math";
    case 1: return "flash";
    case 2: return "memory-efficient";
    case 3: return "cudnn";
    default: return "other";
  }
#else
  (void)k, (void)v, (void)mask;
  return uses_blockwise_attention(q.device()) ? "blockwise (viva's nn/chunked_attention on the CPU)"
                                              : "composite (libtorch 1.x: matmul, softmax, matmul)";
#endif
}

// Enables or disables autocast for a device type; returns the previous state.
inline bool set_autocast(torch::DeviceType device, bool enabled) {
#if VIVA_TORCH_AT_LEAST(2, 4)
  const bool previous = at::autocast::is_autocast_enabled(device);
  at::autocast::set_autocast_enabled(device, enabled);
  return previous;
#else
  if (device == torch::kCUDA) {
    const bool previous = at::autocast::is_enabled();
    at::autocast::set_enabled(enabled);
    return previous;
  }
  const bool previous = at::autocast::is_cpu_enabled();
  at::autocast::set_cpu_enabled(enabled);
  return previous;
#endif
}

// Sets the autocast dtype for a device type (training uses bf16).
inline void set_autocast_dtype(torch::DeviceType device, torch::ScalarType dtype) {
#if VIVA_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == torch::kCUDA)
    at::autocast::set_autocast_gpu_dtype(dtype);
  else
    at::autocast::set_autocast_cpu_dtype(dtype);
#endif
}

// Whether autocast is on for a device type.
inline bool autocast_enabled(torch::DeviceType device) {
#if VIVA_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(device);
#else
  return device == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

// The dtype autocast casts to on a device type.
inline torch::ScalarType autocast_dtype(torch::DeviceType device) {
#if VIVA_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(device);
#else
  return device == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

// RAII: autocast on for a scope, restored afterwards.
class AutocastGuard {
 public:
  AutocastGuard(torch::DeviceType device, torch::ScalarType dtype, bool enabled = true)
      : device_(device), previous_(set_autocast(device, enabled)) {
    if (enabled) set_autocast_dtype(device, dtype);
  }
  ~AutocastGuard() {
    set_autocast(device_, previous_);
    at::autocast::clear_cache();
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  torch::DeviceType device_;
  bool previous_;
};

// Whether these copying kernels take bf16 on `device`; where not, a caller runs them in float32,
// which is exact (they only copy values). Replicate padding: CUDA from libtorch 2.3
// (pytorch/pytorch#99433), the CPU not in 1.13. Nearest interpolation: CUDA from 2.1
// (pytorch/pytorch#80339), the CPU in 1.13.
inline bool replicate_pad_takes_bf16(const torch::Device& device) {
#if VIVA_TORCH_AT_LEAST(2, 3)
  return device.is_cuda();
#else
  (void)device;
  return false;
#endif
}
inline bool nearest_interpolation_takes_bf16(const torch::Device& device) {
#if VIVA_TORCH_AT_LEAST(2, 1)
  (void)device;
  return true;
#else
  return !device.is_cuda();
#endif
}

// The libtorch version this was built against, e.g. "1.13.0".
inline std::string torch_version() { return TORCH_VERSION; }

}  // namespace viva::compat

// c10d, for the one file that starts process groups (core/distributed.cpp defines
// VIVA_COMPAT_C10D before including this header): the collectives' base class is ProcessGroup
// on libtorch 1.x and Backend on 2.x; Gloo and NCCL exist when the build defines USE_C10D_GLOO /
// USE_C10D_NCCL (CMake does, when their headers are found).
#ifdef VIVA_COMPAT_C10D
#include <cstdlib>
#include <stdexcept>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#if VIVA_TORCH_AT_LEAST(2, 0)
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif

namespace viva::compat {

#if VIVA_TORCH_AT_LEAST(2, 0)
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif

inline c10::intrusive_ptr<CollectiveGroup> make_collective_group(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                                 int world_size, torch::Device device,
                                                                 std::chrono::milliseconds timeout) {
  if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world_size, options);
#endif
    // Without NCCL, Gloo (it also reduces CUDA tensors, more slowly).
  }
#ifdef USE_C10D_GLOO
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // GLOO_SOCKET_IFNAME picks the network interface, as in PyTorch; otherwise the host's name.
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"))
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
  else
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
#else
  throw std::runtime_error("this build has no Gloo process group (libtorch without USE_C10D_GLOO)");
#endif
}

// Ends a collective group: shut down after a normal run (NCCL flushes its collectives first),
// aborted after an error (a flush would wait for ranks that may be gone). Backends have both
// from libtorch 2.7 (pytorch/pytorch#148798); before, ProcessGroupNCCL's destructor ends it
// (from 2.4 with a warning that the group was not destroyed).
inline void end_collective_group(CollectiveGroup& group, bool failed) {
#if VIVA_TORCH_AT_LEAST(2, 7)
  if (failed)
    group.abort();
  else
    group.shutdown();
#else
  (void)group;
  (void)failed;
#endif
}

}  // namespace viva::compat
#endif  // VIVA_COMPAT_C10D
