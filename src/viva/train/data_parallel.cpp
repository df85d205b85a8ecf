#include "viva/train/data_parallel.h"

#include <algorithm>

#include "viva/core/error.h"

namespace viva {
namespace {

// Consecutive runs of same-dtype, same-device tensors of about `bytes` each.
std::vector<std::vector<torch::Tensor>> buckets(const std::vector<torch::Tensor>& tensors, int64_t bytes) {
  std::vector<std::vector<torch::Tensor>> out;
  int64_t filled = 0;
  for (const auto& t : tensors) {
    const bool fits = !out.empty() && filled < bytes && out.back().front().scalar_type() == t.scalar_type() &&
                      out.back().front().device() == t.device();
    if (!fits) {
      out.emplace_back();
      filled = 0;
    }
    out.back().push_back(t);
    filled += t.numel() * t.element_size();
  }
  return out;
}

}  // namespace

DataParallel::DataParallel(ProcessGroup& group, int ranks_per_sample, int64_t bucket_bytes)
    : group_(group), bucket_bytes_(bucket_bytes), ranks_per_sample_(ranks_per_sample) {
  if (ranks_per_sample < 1 || group.world_size() % ranks_per_sample != 0)
    throw Error("data parallel", "groups of " + std::to_string(ranks_per_sample) + " ranks do not divide the " +
                                     std::to_string(group.world_size()) + " ranks");
}

DataParallel::~DataParallel() {
  for (auto& [parameter, hook] : hooks_) parameter.remove_hook(hook);
}

void DataParallel::overlap_with_backward(const std::vector<torch::Tensor>& parameters, int64_t bucket_bytes) {
  std::vector<torch::Tensor> trained;
  for (auto p = parameters.rbegin(); p != parameters.rend(); ++p)
    if (p->requires_grad()) trained.push_back(*p);
  for (auto& group : buckets(trained, bucket_bytes)) {
    int64_t values = 0;
    for (const auto& p : group) values += p.numel();
    Bucket b;
    b.values = values;
    b.flat = torch::zeros({values + static_cast<int64_t>(group.size())}, group.front().options().requires_grad(false));
    b.parameters = std::move(group);
    buckets_.push_back(std::move(b));
  }
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    int64_t offset = 0;
    for (std::size_t k = 0; k < buckets_[i].parameters.size(); ++k) {
      torch::Tensor& p = buckets_[i].parameters[k];
      hooks_.emplace_back(p, p.register_hook([this, i, k, offset](const torch::Tensor& grad) {
                            gradient_ready(i, k, offset, grad);
                          }));
      offset += p.numel();
    }
  }
}

void DataParallel::gradient_ready(std::size_t bucket, std::size_t k, int64_t offset, const torch::Tensor& grad) {
  if (!armed_) return;
  torch::NoGradGuard no_grad;
  Bucket& b = buckets_[bucket];
  const torch::Tensor& p = b.parameters[k];
  // The hook sees this backward's part before it is added to .grad (earlier micro-batches').
  torch::Tensor slot = b.flat.narrow(0, offset, p.numel());
  slot.copy_(grad.reshape({-1}));
  if (p.grad().defined()) slot.add_(p.grad().reshape({-1}));
  b.flat[b.values + static_cast<int64_t>(k)].fill_(1);
  ++b.ready;
  // Strictly in bucket order, so that every rank starts its collectives in the same order even
  // when their backward passes finish the buckets differently.
  while (next_bucket_ < buckets_.size() && buckets_[next_bucket_].ready == buckets_[next_bucket_].parameters.size())
    start(buckets_[next_bucket_++]);
}

void DataParallel::start(Bucket& b) {
  b.flat.div_(static_cast<double>(world_size() / ranks_per_sample_));
  b.pending = group_.start_all_reduce_sum(b.flat);
}

void DataParallel::reduce(const std::vector<torch::Tensor>& gradients) {
  torch::NoGradGuard no_grad;
  if (!buckets_.empty()) {
    armed_ = false;
    int64_t early = 0, total = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      Bucket& b = buckets_[i];
      total += b.flat.numel();
      if (i < next_bucket_) {
        early += b.flat.numel();
        continue;
      }
      // Not filled during backward (no before_last_backward, or a parameter without a
      // gradient this step): from .grad now, zeros where there is none.
      int64_t offset = 0;
      for (std::size_t k = 0; k < b.parameters.size(); ++k) {
        const torch::Tensor& p = b.parameters[k];
        torch::Tensor slot = b.flat.narrow(0, offset, p.numel());
        if (p.grad().defined()) slot.copy_(p.grad().reshape({-1}));
        else slot.zero_();
        b.flat[b.values + static_cast<int64_t>(k)].fill_(p.grad().defined() ? 1 : 0);
        offset += p.numel();
      }
      start(b);
    }
    for (Bucket& b : buckets_) {
      b.pending->wait();
      b.pending.reset();
      b.ready = 0;
      // Every rank gives a parameter a gradient if any rank had one (unused here but not on
      // another rank: the step must update it here too), and none otherwise, as one process
      // would: AdamW steps the same parameters on every rank.
      const torch::Tensor any_rank_had = b.flat.narrow(0, b.values, static_cast<int64_t>(b.parameters.size())).gt(0).cpu();
      int64_t offset = 0;
      for (std::size_t k = 0; k < b.parameters.size(); ++k) {
        torch::Tensor& p = b.parameters[k];
        const torch::Tensor reduced = b.flat.narrow(0, offset, p.numel()).view_as(p);
        if (!any_rank_had[static_cast<int64_t>(k)].item<bool>())
          p.mutable_grad() = torch::Tensor();
        else if (p.grad().defined())
          p.grad().copy_(reduced);
        else
          p.mutable_grad() = reduced.clone();
        offset += p.numel();
      }
    }
    next_bucket_ = 0;
    reduced_in_backward_ = static_cast<double>(early) / static_cast<double>(std::max<int64_t>(total, 1));
    return;
  }
  std::vector<std::vector<torch::Tensor>> grouped = buckets(gradients, bucket_bytes_);
  std::vector<torch::Tensor> flat;
  for (const auto& bucket : grouped) {
    std::vector<torch::Tensor> views;
    for (const auto& g : bucket) views.push_back(g.reshape({-1}));
    flat.push_back(torch::cat(views));
  }
  group_.all_reduce_sum(flat);  // every bucket in flight before the first is waited on
  for (std::size_t b = 0; b < grouped.size(); ++b) {
    flat[b].div_(static_cast<double>(world_size() / ranks_per_sample_));
    int64_t offset = 0;
    for (auto& g : grouped[b]) {
      g.copy_(flat[b].narrow(0, offset, g.numel()).view_as(g));
      offset += g.numel();
    }
  }
}

void DataParallel::synchronize(const std::vector<torch::Tensor>& parameters) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> data;
  for (const auto& p : parameters) data.push_back(p.detach());
  group_.broadcast(data, 0);
}

void DataParallel::sum(std::vector<double>& values) { group_.all_reduce_sum(values); }

std::string local_device(const std::string& device, const LaunchEnvironment& launch,
                         std::optional<int64_t> visible_gpus) {
  if (!launch.distributed() || device.rfind("cuda", 0) != 0) return device;
  // A launcher that gives each task a GPU of its own (srun --gpus-per-task=1) shows each rank
  // one; under torchrun every rank sees the machine's and takes the one of its LOCAL_RANK.
  const int64_t gpus = visible_gpus.value_or(static_cast<int64_t>(torch::cuda::device_count()));
  if (device != "cuda") {
    std::optional<torch::Device> named;
    try {
      named.emplace(device);
    } catch (const std::exception&) {
      return device;  // a malformed name is parse_device's to report
    }
    if (gpus > 1 && named->has_index() && named->index() != launch.local_rank)
      throw Error("device " + device, "would put every rank of this machine on one GPU (this is LOCAL_RANK " +
                                          std::to_string(launch.local_rank) +
                                          "); give \"cuda\": each rank then takes cuda:LOCAL_RANK");
    return device;
  }
  if (gpus == 1) return "cuda:0";
  if (gpus > 1 && launch.local_rank >= gpus)
    throw Error("LOCAL_RANK " + std::to_string(launch.local_rank),
                "this process sees " + std::to_string(gpus) + " GPUs; run at most one rank per GPU");
  return "cuda:" + std::to_string(launch.local_rank);
}

}  // namespace viva
