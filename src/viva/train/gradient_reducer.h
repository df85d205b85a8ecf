#pragma once
// What the Trainer asks of the other workers of a run, if any: one set of starting weights,
// gradients combined before each optimizer step, and the step's figures and stop decisions
// agreed on. One process uses LocalGradients (nothing to do); data parallelism (data_parallel.h)
// does it over torch.distributed's c10d, full sharding (fully_sharded.h) too.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <vector>

namespace viva {

class GradientReducer {
 public:
  virtual ~GradientReducer() = default;
  // Every rank's gradients replaced by their mean over the ranks.
  virtual void reduce(const std::vector<torch::Tensor>& gradients) = 0;
  // Rank 0's parameter values on every rank (before training starts).
  virtual void synchronize(const std::vector<torch::Tensor>& parameters) { (void)parameters; }
  // Each value replaced by its sum over the ranks.
  virtual void sum(std::vector<double>& values) { (void)values; }
  // Scales the gradients so that their norm over every rank is at most `max_norm`; returns the
  // norm before. Replicated gradients (after reduce) need no communication.
  virtual double clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm) {
    return torch::nn::utils::clip_grad_norm_(parameters, max_norm);
  }
  // Whether each rank holds a different part of the trained state (its checkpoints then have
  // one part per rank).
  virtual bool sharded() const { return false; }
  // Sharded: how the parts cut the model ({"world": W, "units": [{"parameters": [{"name",
  // "shape"}, ...]}, ...]}, each unit flattened in that order, zero-padded to a multiple of W
  // and cut into W equal parts "unit_<u>"); checkpoints record it for resharding and
  // consolidation.
  virtual nlohmann::json shard_layout() const { return nullptr; }
  virtual int rank() const { return 0; }
  virtual int world_size() const { return 1; }
};

class LocalGradients : public GradientReducer {
 public:
  void reduce(const std::vector<torch::Tensor>&) override {}
};

}  // namespace viva
