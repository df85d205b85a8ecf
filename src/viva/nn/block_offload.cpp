#include "viva/nn/block_offload.h"

#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <chrono>
#include <thread>

#include "viva/core/error.h"

namespace viva {

BlockOffload::BlockOffload(const std::vector<std::shared_ptr<torch::nn::Module>>& blocks, torch::Device device)
    : device_(device) {
  torch::NoGradGuard no_grad;
  const bool cuda = device.is_cuda();
  if (cuda) copy_stream_ = c10::impl::VirtualGuardImpl(device.type()).getStreamFromGlobalPool(device);
  std::vector<torch::Tensor> all;
  for (const auto& module : blocks) {
    if (!module) throw Error("block offload", "a block is missing");
    Block block;
    for (const auto& p : module->parameters(true)) block.tensors.push_back(p);
    for (const auto& b : module->buffers(true)) block.tensors.push_back(b);
    all.insert(all.end(), block.tensors.begin(), block.tensors.end());
    blocks_.push_back(std::move(block));
  }
  // Host copies of their own, in pinned memory on CUDA (the copies to the device then run
  // asynchronously beside the compute); each tensor points at its copy as soon as it is made,
  // so what it held goes first.
  host_memory_ = HostArena::holding(all, cuda, [&](std::size_t i, const torch::Tensor& host) { all[i].set_data(host); });
  std::size_t next = 0;
  for (Block& block : blocks_)
    for (std::size_t k = 0; k < block.tensors.size(); ++k) block.host.push_back(host_memory_.tensors()[next++]);
}

void BlockOffload::stage(std::size_t index) {
  Block& block = blocks_.at(index);
  if (!block.staged.empty()) return;
  if (!copy_stream_) {
    // Same path on the CPU: fresh copies, so the block really runs on what was brought in.
    for (const auto& h : block.host) block.staged.push_back(h.to(torch::TensorOptions().device(device_), /*non_blocking=*/false, /*copy=*/true));
    return;
  }
  // The host runs ahead of the device by many kernel launches. Device copies of released blocks
  // go back to the allocator only once the compute queued on them is done, so unchecked, each
  // prefetch would take new memory and the device would hold as many blocks as the host is
  // ahead. Wait until at most kMostOnDevice blocks are staged or still in use by queued compute.
  forget_finished_releases();
  while (!released_.empty() && resident() + released_.size() + 1 > kMostOnDevice) {
    // (libtorch 1.x's c10::Event cannot be waited on: poll; a block computes for far longer.)
    while (!released_.front().query()) std::this_thread::sleep_for(std::chrono::microseconds(50));
    released_.pop_front();
  }
  const c10::StreamGuard on_copy_stream(*copy_stream_);
  for (const auto& h : block.host) block.staged.push_back(h.to(torch::TensorOptions().device(device_), /*non_blocking=*/true));
  block.copied.emplace(device_.type());
  block.copied->record(*copy_stream_);
}

void BlockOffload::bring(std::size_t index) {
  torch::NoGradGuard no_grad;
  stage(index);
  Block& block = blocks_.at(index);
  if (copy_stream_) {
    const c10::impl::VirtualGuardImpl guard(device_.type());
    const c10::Stream compute = guard.getStream(device_);
    block.copied->block(compute);
    // The copies were allocated on the copy stream; the compute stream uses them too, so their
    // memory must not be reused before the compute is done with it.
    for (const auto& s : block.staged) guard.recordDataPtrOnStream(s.storage().data_ptr(), compute);
  }
  for (std::size_t k = 0; k < block.tensors.size(); ++k) block.tensors[k].set_data(block.staged[k]);
  if (index + 1 < blocks_.size()) stage(index + 1);  // prefetch: overlaps with this block's compute on CUDA
  peak_resident_ = std::max(peak_resident_, resident() + released_.size());
}

void BlockOffload::release(std::size_t index) {
  torch::NoGradGuard no_grad;
  Block& block = blocks_.at(index);
  for (std::size_t k = 0; k < block.tensors.size(); ++k) block.tensors[k].set_data(block.host[k]);
  block.staged.clear();
  block.copied.reset();
  if (copy_stream_) {
    forget_finished_releases();
    released_.emplace_back(device_.type());
    released_.back().record(c10::impl::VirtualGuardImpl(device_.type()).getStream(device_));
  }
  peak_resident_ = std::max(peak_resident_, resident() + released_.size());
}

void BlockOffload::forget_finished_releases() {
  while (!released_.empty() && released_.front().query()) released_.pop_front();
}

std::size_t BlockOffload::resident() const {
  std::size_t n = 0;
  for (const auto& b : blocks_) n += b.staged.empty() ? 0 : 1;
  return n;
}

}  // namespace viva
