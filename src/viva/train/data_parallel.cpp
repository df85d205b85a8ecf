#include "viva/train/data_parallel.h"

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

DataParallel::DataParallel(ProcessGroup& group, int64_t bucket_bytes) : group_(group), bucket_bytes_(bucket_bytes) {}

void DataParallel::reduce(const std::vector<torch::Tensor>& gradients) {
  torch::NoGradGuard no_grad;
  std::vector<std::vector<torch::Tensor>> grouped = buckets(gradients, bucket_bytes_);
  std::vector<torch::Tensor> flat;
  for (const auto& bucket : grouped) {
    std::vector<torch::Tensor> views;
    for (const auto& g : bucket) views.push_back(g.reshape({-1}));
    flat.push_back(torch::cat(views));
  }
  group_.all_reduce_sum(flat);  // every bucket in flight before the first is waited on
  for (std::size_t b = 0; b < grouped.size(); ++b) {
    flat[b].div_(static_cast<double>(world_size()));
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

std::string local_device(const std::string& device, const LaunchEnvironment& launch) {
  if (device == "cuda" && launch.distributed()) return "cuda:" + std::to_string(launch.local_rank);
  return device;
}

}  // namespace viva
