#pragma once
// Offloading a model's blocks: they stay in host memory (pinned when the device is CUDA, in a
// HostArena) and each is copied onto the device just before it runs and dropped after, so the
// device holds two or three blocks rather than all of them (a 13B DiT on a 24-48 GB GPU). On
// CUDA the next block's copy runs on a side stream while the current block computes, and a
// block's copy waits until the compute queued on the block three before it is done. On the CPU a
// block is still copied in and dropped, the same path, so tests check that offloading changes
// no output.
#include <torch/torch.h>

#include <c10/core/Event.h>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "viva/nn/host_arena.h"

namespace viva {

class BlockOffload {
 public:
  // `blocks` in the order they run; their tensors move to host memory now.
  BlockOffload(const std::vector<std::shared_ptr<torch::nn::Module>>& blocks, torch::Device device);

  // Block `index` is about to run: its tensors become device copies (waiting for a prefetch
  // if one is under way), and the next block's copy starts.
  void bring(std::size_t index);
  // Block `index` has run: its tensors point at host memory again; the device copies go.
  void release(std::size_t index);

  std::size_t size() const { return blocks_.size(); }
  // Blocks whose device copies exist now; the most there ever were at once, counting on CUDA
  // the released ones whose memory queued compute still uses.
  std::size_t resident() const;
  std::size_t peak_resident() const { return peak_resident_; }
  // Host memory holding the blocks (pinned on CUDA), as allocated.
  int64_t host_bytes() const { return host_memory_.allocated_bytes(); }
  // Blocks staged or still in use on the device at most (CUDA).
  static constexpr std::size_t kMostOnDevice = 3;
  torch::Device device() const { return device_; }

  // bring() on construction, release() on destruction.
  class Scope {
   public:
    Scope(BlockOffload* offload, std::size_t index) : offload_(offload), index_(index) {
      if (offload_) offload_->bring(index_);
    }
    ~Scope() {
      if (offload_) offload_->release(index_);
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    BlockOffload* offload_;
    std::size_t index_;
  };

 private:
  struct Block {
    std::vector<torch::Tensor> tensors;  // the module's own parameters and buffers
    std::vector<torch::Tensor> host;     // their values in host memory
    std::vector<torch::Tensor> staged;   // device copies, while resident
    std::optional<c10::Event> copied;    // CUDA: recorded on the copy stream after the copies
  };
  void stage(std::size_t index);
  void forget_finished_releases();  // CUDA: drops the events whose compute is done

  torch::Device device_;
  std::vector<Block> blocks_;
  HostArena host_memory_;
  std::deque<c10::Event> released_;  // CUDA: recorded on the compute stream by release(), oldest first
  std::optional<c10::Stream> copy_stream_;  // CUDA only
  std::size_t peak_resident_ = 0;
};

}  // namespace viva
