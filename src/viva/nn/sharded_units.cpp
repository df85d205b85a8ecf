#include "viva/nn/sharded_units.h"

#include <algorithm>

#include "viva/core/error.h"

namespace viva {
namespace {

// The pieces end to end, zero-padded to `padded` elements.
torch::Tensor padded_flat(std::vector<torch::Tensor> pieces, int64_t numel, int64_t padded,
                          const torch::TensorOptions& options) {
  if (padded > numel) pieces.push_back(torch::zeros({padded - numel}, options));
  return torch::cat(pieces);
}

// Biases and norm weights: gathered in float32 when the matrices are gathered in a lower dtype.
bool is_vector(const std::vector<int64_t>& shape) { return shape.size() <= 1; }

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
    std::vector<torch::ScalarType> dtypes;  // of the flats, in order of first appearance
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const torch::Tensor& p = parameters[i];
      if (!frozen_ && p.scalar_type() != torch::kFloat32)
        throw Error("sharded training", "trained parameters must be float32 masters");
      unit.shapes.push_back(p.sizes().vec());
      const auto f = static_cast<std::size_t>(std::find(dtypes.begin(), dtypes.end(), p.scalar_type()) - dtypes.begin());
      if (f == dtypes.size()) dtypes.push_back(p.scalar_type()), unit.flats.emplace_back();
      Flat& flat = unit.flats[f];
      flat.members.push_back(i);
      flat.numel += p.numel();
    }
    for (Flat& flat : unit.flats) {
      flat.padded = (flat.numel + world_ - 1) / world_ * world_;
      std::vector<torch::Tensor> pieces;
      for (std::size_t i : flat.members) pieces.push_back(parameters[i].detach().flatten());
      torch::Tensor full = padded_flat(pieces, flat.numel, flat.padded, pieces.front().options());
      if (group_) {
        std::vector<torch::Tensor> one{full};
        group_->broadcast(one, 0);
      }
      const int64_t part = flat.padded / world_;
      flat.shard = full.narrow(0, rank_ * part, part).clone().requires_grad_(!frozen_);
      if (!frozen_) plan_vector_gather(unit, flat);
    }
    unit.parameters = std::move(parameters);
    units_.push_back(std::move(unit));
    release(units_.size() - 1);
  }
}

const torch::Tensor& ShardedUnits::shard(std::size_t u) const {
  if (frozen_) throw Error("sharded training", "a frozen unit has no shard to train");
  return units_[u].flats.front().shard;  // trained units are all float32: one flat
}

std::vector<torch::Tensor> ShardedUnits::shards() const {
  std::vector<torch::Tensor> out;
  for (const Unit& u : units_)
    for (const Flat& f : u.flats) out.push_back(f.shard);
  return out;
}

void ShardedUnits::plan_vector_gather(const Unit& unit, Flat& flat) const {
  const int64_t part = flat.padded / world_;
  std::vector<int64_t> packed(static_cast<std::size_t>(world_), 0);  // vector elements per rank so far
  int64_t offset = 0;
  for (std::size_t i : flat.members) {
    const int64_t n = c10::multiply_integers(unit.shapes[i]);
    if (is_vector(unit.shapes[i]))
      for (int r = static_cast<int>(offset / part); r < world_ && r * part < offset + n; ++r) {
        const int64_t begin = std::max(offset, r * part), end = std::min(offset + n, (r + 1) * part);
        auto& count = packed[static_cast<std::size_t>(r)];
        flat.vector_pieces[i].push_back({r, count, end - begin});
        if (r == rank_) flat.my_vector_elements.emplace_back(begin - r * part, end - begin);
        count += end - begin;
      }
    offset += n;
  }
  flat.vector_elements_per_rank = *std::max_element(packed.begin(), packed.end());
}

void ShardedUnits::gather_matrices_in(std::optional<torch::ScalarType> dtype) {
  if (frozen_) throw Error("sharded training", "frozen units are gathered as they are held");
  matrix_dtype_ = dtype;
}

// Two all-gathers: the whole flat in the lower dtype, which the parameters view, and every
// rank's vector elements in float32 (a few per thousand), from which the vectors are then put
// together in its place.
void ShardedUnits::gather_with_lower_matrices(Unit& unit, const Flat& flat) const {
  const torch::Tensor shard = flat.shard.detach();
  const torch::Tensor lower = shard.to(*matrix_dtype_);
  const torch::Tensor matrices = group_ ? group_->all_gather(lower) : lower;
  torch::Tensor vectors;
  if (flat.vector_elements_per_rank > 0) {
    std::vector<torch::Tensor> mine;
    int64_t count = 0;
    for (const auto& [at, length] : flat.my_vector_elements) mine.push_back(shard.narrow(0, at, length)), count += length;
    const torch::Tensor packed = padded_flat(mine, count, flat.vector_elements_per_rank, shard.options());
    vectors = group_ ? group_->all_gather(packed) : packed;
  }
  place_views(unit, flat, matrices);
  for (const auto& [i, pieces] : flat.vector_pieces) {
    std::vector<torch::Tensor> parts;
    for (const VectorPiece& p : pieces)
      parts.push_back(vectors.narrow(0, p.rank * flat.vector_elements_per_rank + p.packed, p.length));
    unit.parameters[i].set_data(torch::cat(parts).view(unit.shapes[i]));
  }
}

void ShardedUnits::place_views(Unit& unit, const Flat& flat, const torch::Tensor& full) {
  int64_t offset = 0;
  for (std::size_t i : flat.members) {
    const int64_t n = c10::multiply_integers(unit.shapes[i]);
    unit.parameters[i].set_data(full.narrow(0, offset, n).view(unit.shapes[i]));
    offset += n;
  }
}

void ShardedUnits::gather(std::size_t u) {
  Unit& unit = units_[u];
  if (unit.gathered) return;
  torch::NoGradGuard no_grad;
  for (const Flat& flat : unit.flats)
    if (matrix_dtype_)
      gather_with_lower_matrices(unit, flat);
    else
      place_views(unit, flat, group_ ? group_->all_gather(flat.shard.detach()) : flat.shard.detach().clone());
  unit.gathered = true;
}

void ShardedUnits::release(std::size_t u) {
  Unit& unit = units_[u];
  for (auto& p : unit.parameters) {
    p.set_data(torch::empty({0}, p.options()));
    p.mutable_grad() = torch::Tensor();
  }
  unit.held_gradient = torch::Tensor();
  unit.gathered = false;
}

torch::Tensor ShardedUnits::full_gradient(const Unit& unit) const {
  const Flat& flat = unit.flats.front();  // trained units: one float32 flat
  std::vector<torch::Tensor> pieces;
  for (std::size_t i = 0; i < unit.parameters.size(); ++i) {
    const torch::Tensor& g = unit.parameters[i].grad();
    pieces.push_back(g.defined() ? g.detach().flatten().to(torch::kFloat32)
                                 : torch::zeros({c10::multiply_integers(unit.shapes[i])}, flat.shard.options()));
  }
  return padded_flat(pieces, flat.numel, flat.padded, flat.shard.options());
}

void ShardedUnits::hold_gradients_in_float32(std::size_t u) {
  Unit& unit = units_[u];
  if (frozen_ || !matrix_dtype_ || !unit.gathered) return;
  bool any = false;
  for (const auto& p : unit.parameters) any = any || p.grad().defined();
  if (!any) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor full = full_gradient(unit);
  unit.held_gradient = unit.held_gradient.defined() ? unit.held_gradient.add_(full) : full;
  for (auto& p : unit.parameters) p.mutable_grad() = torch::Tensor();
}

void ShardedUnits::reduce_gradients(std::size_t u) {
  if (frozen_) throw Error("sharded training", "frozen units have no gradients to reduce");
  Unit& unit = units_[u];
  torch::NoGradGuard no_grad;
  torch::Tensor full = full_gradient(unit);
  if (unit.held_gradient.defined()) {
    full.add_(unit.held_gradient);
    unit.held_gradient = torch::Tensor();
  }
  // Summed over the ranks, of which this one keeps its part (reduce-scattered).
  torch::Tensor mine = group_ ? group_->reduce_scatter_sum(full).div_(world_ / ranks_per_sample_) : full;
  torch::Tensor& shard = unit.flats.front().shard;
  if (shard.grad().defined())
    shard.mutable_grad().add_(mine);
  else
    shard.mutable_grad() = mine.clone();
  for (auto& p : unit.parameters) p.mutable_grad() = torch::Tensor();
}

}  // namespace viva
