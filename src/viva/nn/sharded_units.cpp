#include "viva/nn/sharded_units.h"

#include "viva/core/error.h"

namespace viva {
namespace {

// The pieces end to end, zero-padded to `padded` elements.
torch::Tensor padded_flat(std::vector<torch::Tensor> pieces, int64_t numel, int64_t padded,
                          const torch::TensorOptions& options) {
  if (padded > numel) pieces.push_back(torch::zeros({padded - numel}, options));
  return torch::cat(pieces);
}

}  // namespace

ShardedUnits::ShardedUnits(std::vector<std::vector<torch::Tensor>> units, ProcessGroup* group, int ranks_per_sample,
                           bool frozen)
    : group_(group),
      rank_(group ? group->rank() : 0),
      world_(group ? group->world_size() : 1),
      ranks_per_sample_(ranks_per_sample),
      frozen_(frozen) {
  torch::NoGradGuard no_grad;
  for (auto& parameters : units) {
    Unit unit;
    std::vector<torch::Tensor> flat;
    for (auto& p : parameters) {
      if (p.scalar_type() != torch::kFloat32) throw Error("sharded training", "parameters must be float32 masters");
      unit.shapes.push_back(p.sizes().vec());
      unit.numel += p.numel();
      flat.push_back(p.detach().flatten());
    }
    unit.padded = (unit.numel + world_ - 1) / world_ * world_;
    torch::Tensor full = padded_flat(flat, unit.numel, unit.padded, flat.front().options());
    if (group_) {
      std::vector<torch::Tensor> one{full};
      group_->broadcast(one, 0);
    }
    const int64_t part = unit.padded / world_;
    unit.shard = full.narrow(0, rank_ * part, part).clone().requires_grad_(!frozen_);
    unit.parameters = std::move(parameters);
    units_.push_back(std::move(unit));
    release(units_.size() - 1);
  }
}

std::vector<torch::Tensor> ShardedUnits::shards() const {
  std::vector<torch::Tensor> out;
  for (const Unit& u : units_) out.push_back(u.shard);
  return out;
}

void ShardedUnits::gather(std::size_t u) {
  Unit& unit = units_[u];
  if (unit.gathered) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor full = group_ ? group_->all_gather(unit.shard.detach()) : unit.shard.detach().clone();
  int64_t offset = 0;
  for (std::size_t i = 0; i < unit.parameters.size(); ++i) {
    const int64_t n = c10::multiply_integers(unit.shapes[i]);
    unit.parameters[i].set_data(full.narrow(0, offset, n).view(unit.shapes[i]));
    offset += n;
  }
  unit.gathered = true;
}

void ShardedUnits::release(std::size_t u) {
  Unit& unit = units_[u];
  for (auto& p : unit.parameters) {
    p.set_data(torch::empty({0}, p.options()));
    p.mutable_grad() = torch::Tensor();
  }
  unit.gathered = false;
}

torch::Tensor ShardedUnits::full_gradient(const Unit& unit) const {
  std::vector<torch::Tensor> flat;
  for (std::size_t i = 0; i < unit.parameters.size(); ++i) {
    const torch::Tensor& g = unit.parameters[i].grad();
    flat.push_back(g.defined() ? g.detach().flatten().to(torch::kFloat32)
                               : torch::zeros({c10::multiply_integers(unit.shapes[i])}, unit.shard.options()));
  }
  return padded_flat(flat, unit.numel, unit.padded, unit.shard.options());
}

void ShardedUnits::reduce_gradients(std::size_t u) {
  if (frozen_) throw Error("sharded training", "frozen units have no gradients to reduce");
  Unit& unit = units_[u];
  torch::NoGradGuard no_grad;
  torch::Tensor full = full_gradient(unit);
  if (group_) {
    std::vector<torch::Tensor> one{full};
    group_->all_reduce_sum(one);
    full.div_(world_ / ranks_per_sample_);
  }
  const int64_t part = unit.padded / world_;
  const torch::Tensor mine = full.narrow(0, rank_ * part, part);
  if (unit.shard.grad().defined())
    unit.shard.mutable_grad().add_(mine);
  else
    unit.shard.mutable_grad() = mine.clone();
  for (auto& p : unit.parameters) p.mutable_grad() = torch::Tensor();
}

}  // namespace viva
