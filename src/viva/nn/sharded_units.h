#pragma once
// Fully sharded parameters (ZeRO-3 / FSDP semantics) for a model split into units (a DiT block,
// or the embedders): each rank keeps 1/W of each unit's flattened float32 parameters (the
// optimizer's tensors, with their gradients); a unit's full values are all-gathered into its
// parameters just before it runs and dropped after; its gradients are summed over the ranks
// and each rank keeps its slice (a reduce-scatter; Gloo has none, so an all-reduce whose slice
// is kept). With one process the "shard" is the whole unit and nothing is communicated. Frozen
// units (a model that does not train, e.g. under a LoRA) only gather and release, and may mix
// dtypes (bf16 matmul weights beside float32 norms): each dtype is flattened and sharded apart.
// Under autocast, trained units may gather their matrices in bf16 (FSDP's mixed precision):
// half the bytes to move and hold, and the values autocast would compute from float32 ones.
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "viva/core/distributed.h"

namespace viva {

class ShardedUnits {
 public:
  // units[u]: the module parameters of unit u (float32 leaves unless frozen). Their values become
  // the shards (rank 0's values on every rank: broadcast first), and the parameters are emptied.
  // `ranks_per_sample` > 1: groups of that many ranks share each sample and hold its gradients
  // in parts (sequence parallel), so the mean is over the groups. `frozen`: the shards take no
  // gradient and reduce_gradients() is never called.
  ShardedUnits(std::vector<std::vector<torch::Tensor>> units, ProcessGroup* group, int ranks_per_sample = 1,
               bool frozen = false);
  bool frozen() const { return frozen_; }

  std::size_t size() const { return units_.size(); }
  // A trainable unit's shard: [padded unit size / W] float32, requiring grad; what the optimizer
  // updates.
  const torch::Tensor& shard(std::size_t u) const;
  // Every shard this rank keeps (a frozen unit has one per dtype).
  std::vector<torch::Tensor> shards() const;

  // The unit's parameters take their full values (views of one all-gathered buffer). No-op when
  // already gathered. Every rank must gather the same units in the same order.
  void gather(std::size_t u);
  // Trained units: from now on gather the matrices (parameters of two or more dimensions) in
  // `dtype`, and the vectors (biases, norm weights) in float32 as held; their gradients arrive
  // in those dtypes and are reduced in float32. Empty: everything in float32 again.
  void gather_matrices_in(std::optional<torch::ScalarType> dtype);
  // The parameters are emptied (their gradients too); the shard stays.
  void release(std::size_t u);
  bool gathered(std::size_t u) const { return units_[u].gathered; }
  // Adds the mean over the ranks (or their groups) of the parameters' gradients (absent ones
  // count as zero), and of those held in float32 before, to the shard's gradient, then drops them.
  void reduce_gradients(std::size_t u);
  // For a unit that stays gathered over several backwards (the embedders', for a whole step of
  // several micro-batches) with its matrices in a lower dtype: the gradients so far are added to
  // a float32 sum and dropped, so that the micro-batches' gradients are not summed in bf16.
  // Nothing to do (and nothing done) otherwise.
  void hold_gradients_in_float32(std::size_t u);

 private:
  // A piece of a vector parameter that one rank's shard holds: where it sits among that rank's
  // vector elements, and how long it is.
  struct VectorPiece {
    int rank = 0;
    int64_t packed = 0, length = 0;
  };
  // A unit's parameters of one dtype, end to end, zero-padded to a multiple of W.
  struct Flat {
    std::vector<std::size_t> members;  // indices into Unit::parameters
    int64_t numel = 0, padded = 0;
    torch::Tensor shard;
    // For gathering the matrices in a lower dtype (trained units): the vectors' elements in this
    // rank's shard (offset, length), the most any rank's shard holds, and each vector member's
    // pieces in flat order.
    std::vector<std::pair<int64_t, int64_t>> my_vector_elements;
    int64_t vector_elements_per_rank = 0;
    std::map<std::size_t, std::vector<VectorPiece>> vector_pieces;
  };
  struct Unit {
    std::vector<torch::Tensor> parameters;
    std::vector<std::vector<int64_t>> shapes;
    std::vector<Flat> flats;
    bool gathered = false;
    torch::Tensor held_gradient;  // hold_gradients_in_float32's sum, laid out as the flat
  };
  torch::Tensor full_gradient(const Unit& unit) const;
  void plan_vector_gather(const Unit& unit, Flat& flat) const;
  void gather_with_lower_matrices(Unit& unit, const Flat& flat) const;
  // The flat's members take views of `full`, the flat gathered whole.
  static void place_views(Unit& unit, const Flat& flat, const torch::Tensor& full);

  ProcessGroup* group_;
  int rank_ = 0, world_ = 1, ranks_per_sample_ = 1;
  bool frozen_ = false;
  std::optional<torch::ScalarType> matrix_dtype_;
  std::vector<Unit> units_;
};

}  // namespace viva
