#pragma once
// Data-parallel training over a c10d process group: every rank holds the whole model, draws
// its own micro-batches (the Trainer seeds them by seed, step and rank), and before each
// optimizer step the gradients are averaged over the ranks by all-reduce, in buckets of about
// `bucket_bytes` (flattened, so a 13B model takes a few hundred collectives, not thousands).
// The global batch is world size x batch size x accumulation. With overlap_with_backward the
// buckets are fixed (the parameters in reverse order, as backward produces their gradients) and
// each one's all-reduce starts from a gradient hook once the step's last backward has given it
// all of its gradients and the buckets before it have started, as PyTorch's DDP does; a
// parameter that got no gradient on a rank gets the others' there.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "viva/core/distributed.h"
#include "viva/train/gradient_reducer.h"

namespace viva {

class DataParallel : public GradientReducer {
 public:
  explicit DataParallel(ProcessGroup& group, int ranks_per_sample = 1, int64_t bucket_bytes = int64_t{25} << 20);
  ~DataParallel() override;
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;
  void reduce(const std::vector<torch::Tensor>& gradients) override;
  void overlap_with_backward(const std::vector<torch::Tensor>& parameters, int64_t bucket_bytes) override;
  void before_last_backward() override { armed_ = !buckets_.empty(); }
  double reduced_in_backward() const override { return reduced_in_backward_; }
  void synchronize(const std::vector<torch::Tensor>& parameters) override;
  void sum(std::vector<double>& values) override;
  void wait_for_writers() override { group_.store_barrier(kCheckpointWriteWait); }
  int rank() const override { return group_.rank(); }
  int world_size() const override { return group_.world_size(); }
  int ranks_per_sample() const override { return ranks_per_sample_; }

 private:
  ProcessGroup& group_;
  int64_t bucket_bytes_;
  int ranks_per_sample_;
  // Fixed buckets for overlap_with_backward.
  struct Bucket {
    std::vector<torch::Tensor> parameters;
    // Their gradients, one after another, then one element per parameter: 1 where this rank has
    // a gradient for it, so that after the sum every rank knows whether any rank had one.
    torch::Tensor flat;
    int64_t values = 0;  // gradient elements, before the flags
    std::size_t ready = 0;
    std::optional<ProcessGroup::Pending> pending;
  };
  // A gradient hook's work: the parameter's whole gradient into its bucket, which starts its
  // all-reduce when it is full.
  void gradient_ready(std::size_t bucket, std::size_t parameter, int64_t offset, const torch::Tensor& grad);
  void start(Bucket& bucket);
  std::vector<Bucket> buckets_;
  std::size_t next_bucket_ = 0;  // buckets before it have started this step
  std::vector<std::pair<torch::Tensor, unsigned>> hooks_;  // removed with the reducer
  bool armed_ = false;
  double reduced_in_backward_ = 0;
};

// The device a rank runs on: "cuda" becomes "cuda:<LOCAL_RANK>" when several ranks share a
// machine ("cuda:0" where each rank sees one GPU). An explicit "cuda:N" is kept where each rank
// sees one GPU or N is its LOCAL_RANK, and refused otherwise: one config read by every rank of a
// machine would put them all on GPU N. Anything else is kept. `visible_gpus`: the GPUs this
// process sees (CUDA's count when not given).
std::string local_device(const std::string& device, const LaunchEnvironment& launch,
                         std::optional<int64_t> visible_gpus = std::nullopt);

}  // namespace viva
