#pragma once
// Training checkpoints, written in one place: <run>/checkpoints/step-<N>/ holds
//   weights.safetensors      the trained module's weights (under its parameter names)
//   ema.safetensors          the EMA weights, when EMA is on
//   optimizer.pt             AdamW state (libtorch archive)
//   state.json               step, training wall time so far, config
// Each is written into a temporary folder renamed into place; <run>/checkpoints/latest names
// the newest complete one, so a kill at any moment leaves the previous checkpoint usable.
// Sharded training (each rank holds a different part) writes step-<N>/rank-<R>-of-<W>/ with
// the weights and optimizer files of each rank, and state.json beside them: every rank writes
// its part into step-<N>.parts/, and only when all have (a barrier) does rank 0 add state.json
// and rename the folder into place, which commits the checkpoint.
// Random draws need no saved state: step s draws everything from a generator seeded by (seed, s).
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "viva/train/training_options.h"

namespace viva {

struct TrainState {
  int64_t step = 0;  // optimizer steps completed
  nlohmann::json config;
  double elapsed_s = 0;  // training wall time up to this step, over resumed runs
  nlohmann::json shards;  // sharded training: GradientReducer::shard_layout(); else null
};

class TrainCheckpoints {
 public:
  TrainCheckpoints(std::string run_folder, int64_t keep);
  // Sharded: this process is rank `rank` of `world`, and `barrier` returns once every rank
  // has called it. save() and load() then write and read this rank's part.
  void shard(int rank, int world, std::function<void()> barrier);

  void save(const TrainState& state, const torch::nn::Module& model, torch::optim::Optimizer& optimizer,
            const std::vector<std::pair<std::string, torch::Tensor>>& ema) const;
  // The newest checkpoint's folder, if any.
  std::optional<std::string> latest() const;
  // The state a run starts from: with `resume`, the latest checkpoint's (loaded into the model,
  // optimizer and EMA; an error when there is none); else step 0, refusing a folder that
  // already holds a run's checkpoints.
  TrainState start(bool resume, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                   std::vector<std::pair<std::string, torch::Tensor>>& ema) const;
  // Loads weights (and the optimizer and EMA when given) from `folder`; returns its state.
  TrainState load(const std::string& folder, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                  std::vector<std::pair<std::string, torch::Tensor>>* ema) const;

 private:
  std::string dir_;
  int rank_ = 0, world_ = 0;  // world 0: not sharded
  std::function<void()> barrier_;
  std::string part_name() const;
  int64_t keep_;
};

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);
// AdamW at the config's learning rate and weight decay (torch's defaults otherwise).
torch::optim::AdamWOptions adamw_options(const TrainingOptions& config);

// The seed of step `step`'s generator (splitmix64 of seed and step): independent, reproducible
// draws per step, so a resumed run draws exactly what an uninterrupted one would.
uint64_t step_seed(uint64_t seed, int64_t step);


}  // namespace viva
