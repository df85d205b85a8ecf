#pragma once
// Data-parallel training over a c10d process group: every rank holds the whole model, draws
// its own micro-batches (the Trainer seeds them by seed, step and rank), and before each
// optimizer step the gradients are averaged over the ranks by all-reduce, in buckets of about
// `bucket_bytes` (flattened, so a 13B model takes a few hundred collectives, not thousands).
// The global batch is world size x batch size x accumulation.
#include <cstdint>
#include <string>

#include "viva/core/distributed.h"
#include "viva/train/gradient_reducer.h"

namespace viva {

class DataParallel : public GradientReducer {
 public:
  explicit DataParallel(ProcessGroup& group, int64_t bucket_bytes = int64_t{25} << 20);
  void reduce(const std::vector<torch::Tensor>& gradients) override;
  void synchronize(const std::vector<torch::Tensor>& parameters) override;
  void sum(std::vector<double>& values) override;
  int rank() const override { return group_.rank(); }
  int world_size() const override { return group_.world_size(); }

 private:
  ProcessGroup& group_;
  int64_t bucket_bytes_;
};

// The device a rank trains on: "cuda" becomes "cuda:<LOCAL_RANK>" when several ranks share a
// machine; anything else is kept.
std::string local_device(const std::string& device, const LaunchEnvironment& launch);

}  // namespace viva
