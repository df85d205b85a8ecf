#pragma once
// What the Trainer asks of the other workers of a run, if any: one set of starting weights,
// gradients combined before each optimizer step, and the step's figures and stop decisions
// agreed on. One process uses LocalGradients (nothing to do); data parallelism (data_parallel.h)
// does it over torch.distributed's c10d, full sharding (fully_sharded.h) too.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <vector>

namespace viva {

// How long GradientReducer::wait_for_writers() waits: writing a large model's training state
// (16 bytes a parameter: about 200 GB at 13B) to a shared file system can take this long.
inline constexpr std::chrono::hours kCheckpointWriteWait{2};

class GradientReducer {
 public:
  virtual ~GradientReducer() = default;
  // Every rank's gradients replaced by their mean over the ranks (sequence parallel: their sum
  // over each group, which holds the group's gradient in parts, averaged over the groups).
  virtual void reduce(const std::vector<torch::Tensor>& gradients) = 0;
  // From now on, reduce these parameters' gradients in buckets of about `bucket_bytes`, each
  // started as soon as the backward of a step's last micro-batch has produced all of its
  // gradients, so that communication runs beside the rest of the backward (where the reducer
  // can; the others reduce after backward).
  virtual void overlap_with_backward(const std::vector<torch::Tensor>& parameters, int64_t bucket_bytes) {
    (void)parameters;
    (void)bucket_bytes;
  }
  // Called before the micro-batch whose backward completes the step's gradients.
  virtual void before_last_backward() {}
  // The share of the last reduction's gradient values whose reduction started during backward.
  virtual double reduced_in_backward() const { return 0; }
  // Rank 0's parameter values on every rank (before training starts).
  virtual void synchronize(const std::vector<torch::Tensor>& parameters) { (void)parameters; }
  // Each value replaced by its sum over the ranks.
  virtual void sum(std::vector<double>& values) { (void)values; }
  // Returns once every rank has arrived, waiting as long as a checkpoint's writing may take:
  // beyond the collectives' timeout, which a rank writing a large model can outlast.
  virtual void wait_for_writers() {}
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
  // Sequence parallel: each group of this many consecutive ranks works on one micro-batch, so
  // its ranks draw the same samples and its figures count once.
  virtual int ranks_per_sample() const { return 1; }
  int sample_rank() const { return rank() / ranks_per_sample(); }
};

class LocalGradients : public GradientReducer {
 public:
  void reduce(const std::vector<torch::Tensor>&) override {}
};

}  // namespace viva
