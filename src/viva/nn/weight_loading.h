#pragma once
// Loading a checkpoint into a module whose parameter and buffer names are (after a name map)
// the checkpoint's names. Streams one tensor at a time from the memory map, converting dtype
// and device on the way, so peak memory stays near the model's own size.
#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "viva/core/checkpoint.h"

namespace viva {

struct WeightLoadOptions {
  // Module name -> checkpoint name (identity when empty). Returning "" means "not in the
  // checkpoint" (the tensor must then be allowed to be missing).
  std::function<std::string(const std::string&)> to_checkpoint_name;
  // Module name -> several checkpoint tensors concatenated along dim 0 (a fused layer stored
  // split, e.g. q|k|v). When it returns a non-empty list it takes precedence over the name map.
  std::function<std::vector<std::string>(const std::string&)> to_checkpoint_parts;
  // Applied to the loaded tensor of each module name `transformed` accepts (e.g. swapping halves).
  std::function<bool(const std::string&)> transformed;
  std::function<torch::Tensor(const std::string&, torch::Tensor)> transform;
  // Checkpoint names to ignore silently (e.g. a LLaVA file's vision tower when only the
  // language model is built); tested with the predicate.
  std::function<bool(const std::string&)> ignore_checkpoint_name;
  // Module names that may be absent from the checkpoint (keep their initial values, which a
  // module built under a SkipInitialisersGuard does not have: the caller then sets them).
  std::function<bool(const std::string&)> allow_missing;
  bool strict = true;  // unexpected checkpoint tensors are an error

  WeightLoadOptions& set_name_map(std::function<std::string(const std::string&)> f) { to_checkpoint_name = std::move(f); return *this; }
  WeightLoadOptions& set_parts(std::function<std::vector<std::string>(const std::string&)> f) { to_checkpoint_parts = std::move(f); return *this; }
  WeightLoadOptions& set_transform(std::function<bool(const std::string&)> applies,
                                   std::function<torch::Tensor(const std::string&, torch::Tensor)> f) {
    transformed = std::move(applies);
    transform = std::move(f);
    return *this;
  }
  WeightLoadOptions& set_ignore(std::function<bool(const std::string&)> f) { ignore_checkpoint_name = std::move(f); return *this; }
  WeightLoadOptions& set_allow_missing(std::function<bool(const std::string&)> f) { allow_missing = std::move(f); return *this; }
  WeightLoadOptions& set_strict(bool s) { strict = s; return *this; }
};

struct WeightLoadReport {
  std::vector<std::string> loaded;   // module names
  std::vector<std::string> missing;  // module names kept at their initial values (allowed)
};

// Writes a module's parameters as safetensors under `prefix` + their module names (the inverse of
// load_weights with a prefix map).
void save_parameters(const torch::nn::Module& module, const std::string& path, const std::string& prefix = "");

// While it lives, modules create their parameters in `dtype` (libtorch's default dtype), so a
// model built to be loaded in bf16 never exists in float32 on the host.
class DefaultDtypeGuard {
 public:
  explicit DefaultDtypeGuard(torch::ScalarType dtype);
  ~DefaultDtypeGuard();
  DefaultDtypeGuard(const DefaultDtypeGuard&) = delete;
  DefaultDtypeGuard& operator=(const DefaultDtypeGuard&) = delete;

 private:
  caffe2::TypeMeta previous_;
};

// While it lives, models built on this thread move each large block to `device` as soon as
// it is built (built_in_place), so a model built for a GPU never exists whole in host memory:
// the host holds one block at a time before the weights stream onto the device.
class BuildDeviceGuard {
 public:
  explicit BuildDeviceGuard(torch::Device device);
  ~BuildDeviceGuard();
  BuildDeviceGuard(const BuildDeviceGuard&) = delete;
  BuildDeviceGuard& operator=(const BuildDeviceGuard&) = delete;

 private:
  std::optional<torch::Device> previous_;
};
std::optional<torch::Device> build_device();

// A freshly built block (a module holder), moved to the BuildDeviceGuard's device if one is set.
template <class Holder>
Holder built_in_place(Holder block) {
  if (const auto device = build_device()) block->to(*device);
  return block;
}

// Copies every parameter and buffer of `module` from `checkpoint`, converting to the module's
// dtype/device. Missing (not allowed), unexpected (when strict) and shape-mismatched tensors
// are collected and reported in one viva::Error listing the first few names of each kind.
WeightLoadReport load_weights(torch::nn::Module& module, const Checkpoint& checkpoint,
                              const WeightLoadOptions& options = {});

}  // namespace viva
