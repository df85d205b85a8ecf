#pragma once
// What the Trainer asks of the other workers of a run, if any: one set of starting weights,
// gradients combined before each optimizer step, and the step's figures and stop decisions
// agreed on. One process uses LocalGradients (nothing to do); data parallelism (data_parallel.h)
// does it over torch.distributed's c10d.
#include <torch/torch.h>

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
  virtual int rank() const { return 0; }
  virtual int world_size() const { return 1; }
};

class LocalGradients : public GradientReducer {
 public:
  void reduce(const std::vector<torch::Tensor>&) override {}
};

}  // namespace viva
