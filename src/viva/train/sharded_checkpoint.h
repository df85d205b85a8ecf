#pragma once
// Reading the parts of a sharded training checkpoint (train_checkpoint.h): step-<N>/ with
// state.json (its "shards" layout: GradientReducer::shard_layout) and one rank-<R>-of-<W>/
// folder per rank holding that rank's "unit_<u>" slices in weights.safetensors and their AdamW
// moments in moments.safetensors. Resuming with another number of ranks reassembles each unit
// and cuts it anew; `viva model consolidate` turns the parts into the model's own tensors.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "viva/core/checkpoint.h"
#include "viva/core/safetensors.h"

namespace viva {

// "rank-00001-of-00004"
std::string rank_part_name(int rank, int world);

// AdamW's moments of `model`'s parameters as "<name>.exp_avg" / "<name>.exp_avg_sq", with the
// step count in the metadata ("step"); nothing for parameters without state yet.
void save_adamw_moments(const torch::nn::Module& model, torch::optim::Optimizer& optimizer, const std::string& path);

class ShardedCheckpoint {
 public:
  // `folder`: a step folder of a sharded run; errors name it.
  explicit ShardedCheckpoint(std::string folder);

  int world() const { return world_; }
  std::size_t units() const { return layout_["units"].size(); }
  // Unit u's whole flattened values from every part, without padding: [unit numel]. `file` is
  // "weights" (tensor "unit_<u>") or "moments" with `suffix` ".exp_avg" / ".exp_avg_sq".
  torch::Tensor unit(std::size_t u, const std::string& file = "weights", const std::string& suffix = "") const;
  int64_t unit_numel(std::size_t u) const;
  bool has_moments() const { return !moments_.empty(); }
  int64_t adamw_step() const;
  // The model's tensors under their own names and shapes (the consolidated weights).
  std::vector<NamedTensor> model_tensors() const;

  // Loads this checkpoint into a FullySharded-like `model` (parameters "unit_<u>", this rank's
  // slices of a cut into `world` parts) and its AdamW optimizer, whatever world size saved it.
  void load_resharded(torch::nn::Module& model, torch::optim::Optimizer* optimizer, int rank, int world) const;

 private:
  std::string folder_;
  nlohmann::json layout_;
  int world_ = 0;
  std::vector<Checkpoint> weights_, moments_;  // each rank's part, opened once (moments: if saved)
};

}  // namespace viva
