#pragma once
// The one place gradients are combined across workers before the optimizer step. Training on one
// process uses LocalGradients; a data-parallel run plugs in a reducer over torch.distributed's
// c10d process group (all-reduce, then divide by the world size) without touching the loop.
#include <torch/torch.h>

#include <vector>

namespace viva {

class GradientReducer {
 public:
  virtual ~GradientReducer() = default;
  virtual void reduce(const std::vector<torch::Tensor>& parameters) = 0;
  virtual int rank() const { return 0; }
  virtual int world_size() const { return 1; }
};

class LocalGradients : public GradientReducer {
 public:
  void reduce(const std::vector<torch::Tensor>&) override {}
};

}  // namespace viva
