#include "viva/nn/weight_loading.h"

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
    const std::string source = options.to_checkpoint_name ? options.to_checkpoint_name(name) : name;
    if (source.empty() || !checkpoint.contains(source)) {
      if (options.allow_missing && options.allow_missing(name))
        report.missing.push_back(name);
      else
        missing.push_back(source.empty() ? name : source);
      continue;
    }
    used.insert(source);
    const TensorEntry& entry = checkpoint.entry(source);
    if (c10::IntArrayRef(entry.shape) != target.sizes()) {
      mismatched.push_back(source + " " + shape_text(entry.shape) + " vs " + shape_text(target.sizes()));
      continue;
    }
    target.copy_(checkpoint.load(source, target.scalar_type(), target.device()));
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

}  // namespace viva
