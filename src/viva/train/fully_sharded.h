#pragma once
// Fully sharded data parallelism for the DiT (`"sharding": "full"`; ZeRO-3 / FSDP semantics):
// the units are the embedders and each double or single block; each rank keeps 1/W of every
// unit's flattened float32 parameters, their gradients and AdamW state (ShardedUnits). The DiT
// gathers a unit just before it runs (under bf16 autocast, its matrices in bf16), again when
// activation checkpointing recomputes it, and frees it after; gradients are reduce-scattered as
// each block's backward ends and, for the embedders, before the optimizer step. Checkpoints hold
// one part per rank.
//
//   FullySharded sharded(dit, group);               // group: null with one process
//   trainer.start(sharded, sharded.parameters(), ...)  with run.reducer = &sharded
//   ... train ...
//   sharded.unshard();                              // full weights back in the DiT
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "viva/core/distributed.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/train/gradient_reducer.h"

namespace viva {

class FullySharded : public torch::nn::Module, public GradientReducer {
 public:
  // Shards `dit`'s parameters (rank 0's values) over `group`'s ranks; `group` may be null.
  // Sequence parallel: groups of `ranks_per_sample` ranks share each sample.
  FullySharded(HunyuanDit dit, ProcessGroup* group, int ranks_per_sample = 1);

  // The shards, one per unit (registered here as "unit_<u>" for checkpoints).
  std::vector<torch::Tensor> parameters_to_train() const { return units_->shards(); }
  // Under autocast: gather the units' matrices in `dtype` (ShardedUnits::gather_matrices_in).
  void gather_matrices_in(torch::ScalarType dtype) { units_->gather_matrices_in(dtype); }
  // Every unit gathered back into the DiT for good, in float32 (every rank calls it); sharding ends.
  void unshard();
  const ShardedUnits& units() const { return *units_; }

  // GradientReducer: the blocks' gradients are already in the shards; the embedders' are
  // reduced here. Clipping uses the norm over every rank's shards.
  void reduce(const std::vector<torch::Tensor>& gradients) override;
  double clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm) override;
  void sum(std::vector<double>& values) override;
  void wait_for_writers() override {
    if (group_) group_->store_barrier(kCheckpointWriteWait);
  }
  bool sharded() const override { return true; }
  nlohmann::json shard_layout() const override { return layout_; }
  int rank() const override { return group_ ? group_->rank() : 0; }
  int world_size() const override { return group_ ? group_->world_size() : 1; }
  int ranks_per_sample() const override { return ranks_per_sample_; }

 private:
  HunyuanDit dit_;
  ProcessGroup* group_;
  int ranks_per_sample_;
  std::shared_ptr<ShardedUnits> units_;
  nlohmann::json layout_;
};

}  // namespace viva
