#include "viva/nn/weight_loading.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "viva/core/error.h"

namespace viva {
namespace {

std::string first_names(const std::vector<std::string>& names, std::size_t limit = 5) {
  std::ostringstream out;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) out << (i ? ", " : "") << names[i];
  if (names.size() > limit) out << ", ... (" << names.size() << " in all)";
  return out.str();
}

std::string shape_text(c10::IntArrayRef shape) {
  std::ostringstream out;
  out << shape;
  return out.str();
}

}  // namespace

WeightLoadReport load_weights(torch::nn::Module& module, const Checkpoint& checkpoint, const WeightLoadOptions& options) {
  torch::NoGradGuard no_grad;
  WeightLoadReport report;
  std::vector<std::string> missing, mismatched;
  std::set<std::string> used;

  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& item : module.named_parameters(true)) targets.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(true)) targets.emplace_back(item.key(), item.value());

  for (auto& [name, target] : targets) {
    std::vector<std::string> sources = options.to_checkpoint_parts ? options.to_checkpoint_parts(name) : std::vector<std::string>{};
    if (sources.empty()) sources.push_back(options.to_checkpoint_name ? options.to_checkpoint_name(name) : name);
    bool present = true;
    for (const auto& source : sources) present = present && !source.empty() && checkpoint.contains(source);
    if (!present) {
      if (options.allow_missing && options.allow_missing(name))
        report.missing.push_back(name);
      else
        missing.push_back(sources.size() == 1 && !sources[0].empty() ? sources[0] : name);
      continue;
    }
    for (const auto& source : sources) used.insert(source);
    // Stored shape of the assembled tensor: parts stack along dim 0.
    std::vector<int64_t> shape = checkpoint.entry(sources[0]).shape;
    bool compatible = true;
    for (std::size_t i = 1; i < sources.size(); ++i) {
      const auto& part = checkpoint.entry(sources[i]).shape;
      compatible = compatible && !shape.empty() && part.size() == shape.size() &&
                   std::equal(part.begin() + 1, part.end(), shape.begin() + 1);
      if (compatible) shape[0] += part[0];
    }
    if (!compatible || c10::IntArrayRef(shape) != target.sizes()) {
      mismatched.push_back(sources[0] + " " + shape_text(shape) + " vs " + shape_text(target.sizes()));
      continue;
    }
    // Each stored part streams straight into its rows of the target: no whole copy of the
    // tensor is ever made besides the target itself.
    if (sources.size() == 1) {
      checkpoint.copy_to(sources[0], target);
    } else {
      int64_t row = 0;
      for (const auto& source : sources) {
        torch::Tensor rows = target.narrow(0, row, checkpoint.entry(source).shape[0]);
        checkpoint.copy_to(source, rows);
        row += rows.size(0);
      }
    }
    if (options.transform && options.transformed && options.transformed(name))
      target.copy_(options.transform(name, target.clone()));
    report.loaded.push_back(name);
  }

  std::vector<std::string> unexpected;
  if (options.strict)
    for (const auto& name : checkpoint.names())
      if (!used.count(name) && !(options.ignore_checkpoint_name && options.ignore_checkpoint_name(name)))
        unexpected.push_back(name);

  if (!missing.empty() || !mismatched.empty() || !unexpected.empty()) {
    std::string message;
    if (!missing.empty()) message += "missing tensors: " + first_names(missing);
    if (!mismatched.empty()) message += std::string(message.empty() ? "" : "; ") + "shape mismatches: " + first_names(mismatched);
    if (!unexpected.empty()) message += std::string(message.empty() ? "" : "; ") + "unexpected tensors: " + first_names(unexpected);
    throw Error(checkpoint.path(), message);
  }
  return report;
}

DefaultDtypeGuard::DefaultDtypeGuard(torch::ScalarType dtype) : previous_(c10::get_default_dtype()) {
  c10::set_default_dtype(c10::scalarTypeToTypeMeta(dtype));
}

DefaultDtypeGuard::~DefaultDtypeGuard() { c10::set_default_dtype(previous_); }

namespace {
thread_local std::optional<torch::Device> build_device_now;
}

BuildDeviceGuard::BuildDeviceGuard(torch::Device device) : previous_(build_device_now) { build_device_now = device; }
BuildDeviceGuard::~BuildDeviceGuard() { build_device_now = previous_; }
std::optional<torch::Device> build_device() { return build_device_now; }

void save_parameters(const torch::nn::Module& module, const std::string& path, const std::string& prefix) {
  std::vector<NamedTensor> tensors;
  for (const auto& p : module.named_parameters()) tensors.push_back({prefix + p.key(), p.value().detach().to(torch::kCPU)});
  save_safetensors(path, tensors);
}

}  // namespace viva
