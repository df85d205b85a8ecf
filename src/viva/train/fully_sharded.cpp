#include "viva/train/fully_sharded.h"

#include <cmath>

#include "viva/core/error.h"

namespace viva {

FullySharded::FullySharded(HunyuanDit dit, ProcessGroup* group, int ranks_per_sample)
    : dit_(std::move(dit)), group_(group), ranks_per_sample_(ranks_per_sample) {
  if (!dit_->activation_checkpointing) throw Error("sharding: full", "needs activation_checkpointing");
  std::vector<std::vector<torch::Tensor>> units;
  layout_ = {{"world", world_size()}, {"units", nlohmann::json::array()}};
  for (const auto& named : dit_->parameter_units()) {
    units.emplace_back();
    nlohmann::json parameters = nlohmann::json::array();
    for (const auto& [name, p] : named) {
      units.back().push_back(p);
      parameters.push_back({{"name", name}, {"shape", p.sizes().vec()}});
    }
    layout_["units"].push_back({{"parameters", parameters}});
  }
  units_ = std::make_shared<ShardedUnits>(units, group_, ranks_per_sample_);
  for (std::size_t u = 0; u < units_->size(); ++u) register_parameter("unit_" + std::to_string(u), units_->shard(u));
  dit_->sharded_units = units_;
}

void FullySharded::unshard() {
  torch::NoGradGuard no_grad;
  units_->gather_matrices_in(std::nullopt);
  for (std::size_t u = 0; u < units_->size(); ++u) units_->release(u), units_->gather(u);
  dit_->sharded_units.reset();
}

void FullySharded::reduce(const std::vector<torch::Tensor>&) {
  if (!units_->gathered(0)) return;  // no forward this step
  units_->reduce_gradients(0);
  units_->release(0);  // stale after the optimizer step: the next forward gathers it again
}

double FullySharded::clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm) {
  double squares = 0;
  for (const auto& p : parameters)
    if (p.grad().defined()) squares += p.grad().detach().pow(2).sum().item<double>();
  std::vector<double> total{squares};
  sum(total);
  const double norm = std::sqrt(total[0]);
  const double coefficient = max_norm / (norm + 1e-6);  // as torch::nn::utils::clip_grad_norm_
  if (coefficient < 1) {
    torch::NoGradGuard no_grad;
    for (const auto& p : parameters)
      if (p.grad().defined()) p.grad().mul_(coefficient);
  }
  return norm;
}

void FullySharded::sum(std::vector<double>& values) {
  if (group_) group_->all_reduce_sum(values);
}

}  // namespace viva
