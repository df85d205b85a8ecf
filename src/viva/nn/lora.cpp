#include "viva/nn/lora.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "viva/core/checkpoint.h"
#include "viva/core/error.h"
#include "viva/core/safetensors.h"
#include "viva/nn/seeded_random.h"

namespace viva {
namespace {

std::string last_component(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

}  // namespace

LoraAdapter::LoraAdapter(torch::nn::Module& model, LoraOptions options) : options_(std::move(options)) {
  if (options_.rank < 1) throw Error("LoRA", "rank must be positive");
  scale_ = options_.alpha / static_cast<double>(options_.rank);
  for (auto& p : model.parameters()) p.requires_grad_(false);
  const double std = options_.init_std > 0 ? options_.init_std : 1.0 / static_cast<double>(options_.rank);
  for (const auto& item : model.named_modules("", false)) {
    const auto& targets = options_.targets;
    if (std::find(targets.begin(), targets.end(), last_component(item.key())) == targets.end()) continue;
    if (!item.value()->as<torch::nn::LinearImpl>()) continue;
    auto adaptable = std::dynamic_pointer_cast<AdaptableLinearImpl>(item.value());
    if (!adaptable) throw Error("LoRA", "the Linear layer '" + item.key() + "' cannot carry a low-rank branch");
    Layer layer;
    layer.path = item.key();
    layer.linear = AdaptableLinear(adaptable);
    const torch::Tensor& w = adaptable->weight;
    // Float32 at least: the adapter trains beside a frozen layer that autocast_weights.h may
    // hold in bf16.
    const auto opts = w.options().dtype(at::promote_types(w.scalar_type(), torch::kFloat32)).requires_grad(false);
    std::string name = layer.path;
    std::replace(name.begin(), name.end(), '.', '_');
    // Drawn on the CPU, so that a seed gives the same adapter on any device.
    layer.a = register_parameter(name + "_lora_A", cpu_randn({options_.rank, w.size(1)}, c10::nullopt, opts) * std, true);
    layer.b = register_parameter(name + "_lora_B", torch::zeros({w.size(0), options_.rank}, opts), true);
    layers_.push_back(std::move(layer));
  }
  if (layers_.empty()) throw Error("LoRA", "no Linear layer of the model matches the targets");
  attach_branches();
}

void LoraAdapter::attach_branches() {
  // Module::to() moves parameters in place (set_data), so the branches follow the adapter.
  for (Layer& l : layers_) l.linear->set_branch(l.a, l.b, merged_ ? 0.0 : scale());
}

void LoraAdapter::set_strength(double strength) {
  if (merged_) throw Error("LoRA", "set_strength() on a merged adapter; unmerge() first");
  strength_ = strength;
  attach_branches();
}

LoraOptions lora_options_from_file(const std::string& path) {
  const Checkpoint file(path);
  const auto& meta = file.metadata();
  if (!meta.count("rank") || !meta.count("alpha") || !meta.count("targets"))
    throw file_error(path, "is not a viva LoRA file (metadata rank, alpha and targets missing)");
  LoraOptions o;
  try {
    o.rank = std::stoll(meta.at("rank"));
    o.alpha = std::stod(meta.at("alpha"));
    o.targets = nlohmann::json::parse(meta.at("targets")).get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    throw file_error(path, std::string("has unreadable LoRA metadata: ") + e.what());
  }
  return o;
}

void LoraAdapter::merge() {
  if (merged_) return;
  torch::NoGradGuard no_grad;
  // Summed in the adapter's float32 and rounded once: a weight held in bf16 becomes the bf16
  // nearest to W + s·B·A. (An update under half a bf16 step is still lost; only float32
  // weights would keep it.)
  for (Layer& l : layers_) {
    torch::Tensor& w = l.linear->weight;
    w.copy_(w.to(l.a.scalar_type()).add_(torch::mm(l.b, l.a), scale()));
  }
  merged_ = true;
  attach_branches();
}

void LoraAdapter::unmerge() {
  if (!merged_) return;
  torch::NoGradGuard no_grad;
  for (Layer& l : layers_) {
    torch::Tensor& w = l.linear->weight;
    w.copy_(w.to(l.a.scalar_type()).sub_(torch::mm(l.b, l.a), scale()));
  }
  merged_ = false;
  attach_branches();
}

void LoraAdapter::save_file(const std::string& path) const {
  std::vector<NamedTensor> tensors;
  for (const Layer& l : layers_) {
    tensors.push_back({l.path + ".lora_A.weight", l.a.detach().to(torch::kCPU)});
    tensors.push_back({l.path + ".lora_B.weight", l.b.detach().to(torch::kCPU)});
  }
  save_safetensors(path, tensors,
                   {{"format", "viva-lora"},
                    {"rank", std::to_string(options_.rank)},
                    {"alpha", std::to_string(options_.alpha)},
                    {"targets", nlohmann::json(options_.targets).dump()}});
}

void LoraAdapter::load_file(const std::string& path) {
  const Checkpoint file(path);
  const auto& meta = file.metadata();
  if (meta.count("rank") && std::stoll(meta.at("rank")) != options_.rank)
    throw file_error(path, "has rank " + meta.at("rank") + " but the adapter has " + std::to_string(options_.rank));
  if (file.names().size() != 2 * layers_.size())
    throw file_error(path, "holds " + std::to_string(file.names().size()) + " tensors but the adapter expects " +
                               std::to_string(2 * layers_.size()) + " (other targets?)");
  const bool was_merged = merged_;
  unmerge();
  torch::NoGradGuard no_grad;
  for (Layer& l : layers_) {
    for (auto& [suffix, tensor] : {std::pair<std::string, torch::Tensor*>{".lora_A.weight", &l.a}, {".lora_B.weight", &l.b}}) {
      const std::string name = l.path + suffix;
      if (!file.contains(name)) throw file_error(path, "lacks '" + name + "'");
      const auto value = file.load(name);
      if (value.sizes() != tensor->sizes())
        throw file_error(path, "'" + name + "' has shape " + c10::str(value.sizes()) + ", expected " +
                                   c10::str(tensor->sizes()));
      tensor->copy_(value);
    }
  }
  if (was_merged) merge();
}

}  // namespace viva
