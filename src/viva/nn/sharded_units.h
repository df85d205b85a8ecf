#pragma once
// Fully sharded parameters (ZeRO-3 / FSDP semantics) for a model split into units (a DiT block,
// or the embedders): each rank keeps 1/W of each unit's flattened float32 parameters (the
// optimizer's tensors, with their gradients); a unit's full values are all-gathered into its
// parameters just before it runs and dropped after; its gradients are summed over the ranks
// and each rank keeps its slice (a reduce-scatter; Gloo has none, so an all-reduce whose slice
// is kept). With one process the "shard" is the whole unit and nothing is communicated. Frozen
// units (a model that does not train, e.g. under a LoRA) only gather and release, and may mix
// dtypes (bf16 matmul weights beside float32 norms): each dtype is flattened and sharded apart.
#include <torch/torch.h>

#include <cstdint>
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
  // The parameters are emptied (their gradients too); the shard stays.
  void release(std::size_t u);
  bool gathered(std::size_t u) const { return units_[u].gathered; }
  // Adds the mean over the ranks (or their groups) of the parameters' gradients (absent ones
  // count as zero) to the shard's gradient, then drops them.
  void reduce_gradients(std::size_t u);

 private:
  // A unit's parameters of one dtype, end to end, zero-padded to a multiple of W.
  struct Flat {
    std::vector<std::size_t> members;  // indices into Unit::parameters
    int64_t numel = 0, padded = 0;
    torch::Tensor shard;
  };
  struct Unit {
    std::vector<torch::Tensor> parameters;
    std::vector<std::vector<int64_t>> shapes;
    std::vector<Flat> flats;
    bool gathered = false;
  };
  torch::Tensor full_gradient(const Unit& unit) const;

  ProcessGroup* group_;
  int rank_ = 0, world_ = 1, ranks_per_sample_ = 1;
  bool frozen_ = false;
  std::vector<Unit> units_;
};

}  // namespace viva
