#pragma once
// Several processes working as one over torch.distributed's c10d. The launch environment is
// torchrun's (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; `viva launch` sets the
// same) or, under srun without them, SLURM's; rank 0 hosts a TCPStore at MASTER_ADDR:MASTER_PORT
// where the others meet; the process group is c10d's Gloo on the CPU and NCCL on CUDA builds.
// Every collective is c10d's; this class names the ones viva uses.
#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace viva {

struct LaunchEnvironment {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // torchrun's agent already serves the store at MASTER_ADDR:MASTER_PORT (it says so with
  // TORCHELASTIC_USE_AGENT_STORE=True): rank 0 then joins it instead of hosting one.
  bool store_served_by_launcher = false;

  // From the environment (world size 1 when no launcher set one); throws naming a variable
  // that is not a number or out of range.
  static LaunchEnvironment from_environment();
  bool distributed() const { return world_size > 1; }
};

// A loopback TCP port nobody listens on now (the kernel's pick), for a rendezvous of ranks on
// this machine; 0 when the system gives none.
int unused_loopback_port();

class ProcessGroup {
 public:
  // Meets the other ranks (each waits up to `timeout` for the rest) on `device`'s backend: NCCL
  // for CUDA when the build has it, Gloo otherwise. A collective a rank does not join within
  // `timeout` fails on the others with an error naming the group.
  ProcessGroup(const LaunchEnvironment& env, torch::Device device,
               std::chrono::milliseconds timeout = std::chrono::minutes(10));
  ~ProcessGroup();
  // The ranks [first, first + size) of `parent` as a group of their own (rank r of the parent is
  // rank r - first here), meeting on the parent's store under `name`; only those ranks construct
  // it, all with the same arguments.
  ProcessGroup(const ProcessGroup& parent, int first, int size, const std::string& name);
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  // Whether one of this group's collectives has failed on this rank (a lost rank, a timeout);
  // the group is then aborted when destroyed, not shut down.
  bool failed() const;
  int world_size() const { return world_size_; }
  torch::Device device() const { return device_; }

  // A collective in flight; wait() returns once its tensors hold the result.
  class Pending {
   public:
    explicit Pending(std::function<void()> wait) : wait_(std::move(wait)) {}
    void wait() { wait_(); }

   private:
    std::function<void()> wait_;
  };
  // Starts summing `t` over the ranks, in place. Every rank must start its collectives in the
  // same order.
  Pending start_all_reduce_sum(torch::Tensor& t);
  // Sums each tensor over the ranks, in place (several tensors: one collective each, all
  // started before any is waited on).
  void all_reduce_sum(std::vector<torch::Tensor>& tensors);
  // Each value replaced by its sum over the ranks (figures, stop decisions, norms).
  void all_reduce_sum(std::vector<double>& values);
  // Rank `root`'s values into every rank's tensors, in place.
  void broadcast(std::vector<torch::Tensor>& tensors, int root = 0);
  // Every rank's `part` (all the same shape), concatenated along dimension 0 in rank order.
  torch::Tensor all_gather(const torch::Tensor& part);
  // `parts` cut along dimension 0 into world-size equal blocks, block r sent to rank r; returns
  // the blocks received, in rank order, as one tensor of the same shape.
  torch::Tensor all_to_all(const torch::Tensor& parts);
  // `input` (its numel a multiple of the world size) summed over the ranks, of which this rank
  // gets only its block (block r of W equal blocks of the flattened sum): a reduce-scatter,
  // moving half an all-reduce's bytes. Backends without one (Gloo on libtorch 1.13) all-reduce
  // `input` in place and keep the block.
  torch::Tensor reduce_scatter_sum(torch::Tensor& input);
  // Returns once every rank has called it as often as this rank, waiting up to `timeout`: a
  // barrier on the rendezvous store, outside the collectives and their timeout, for waits that
  // can outlast it (a checkpoint that one rank writes). Throws naming the group when it expires.
  void store_barrier(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::chrono::milliseconds timeout_;
  int rank_ = 0, world_size_ = 1;
  torch::Device device_;
  int64_t store_barriers_ = 0;
  bool reduce_scatter_missing_ = false;  // the backend has none: all-reduce instead
};

}  // namespace viva
