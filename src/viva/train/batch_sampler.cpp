#include "viva/train/batch_sampler.h"

#include "viva/core/error.h"

namespace viva {
namespace {

double uniform(torch::Generator& g) { return torch::rand({1}, g).item<double>(); }

const std::vector<int64_t>& pick_bucket(const std::vector<std::vector<int64_t>>& buckets, torch::Generator& g) {
  int64_t total = 0;
  for (const auto& b : buckets) total += static_cast<int64_t>(b.size());
  int64_t r = static_cast<int64_t>(uniform(g) * static_cast<double>(total));
  for (const auto& b : buckets) {
    if (r < static_cast<int64_t>(b.size())) return b;
    r -= static_cast<int64_t>(b.size());
  }
  return buckets.back();
}

}  // namespace

BatchSampler::BatchSampler(const ConditionCache& cache, double video_probability)
    : video_probability_(video_probability) {
  std::map<std::tuple<int, std::vector<int64_t>, bool>, std::vector<int64_t>> groups;
  for (int64_t i = 0; i < cache.size(); ++i)
    groups[{static_cast<int>(cache.kind(i)), cache.latent_shape(i), cache.has_reference(i)}].push_back(i);
  for (auto& [key, indices] : groups)
    (std::get<0>(key) == static_cast<int>(SampleKind::Video) ? video_buckets_ : image_buckets_).push_back(indices);
}

int64_t BatchSampler::count(SampleKind kind) const {
  int64_t n = 0;
  for (const auto& b : kind == SampleKind::Video ? video_buckets_ : image_buckets_) n += static_cast<int64_t>(b.size());
  return n;
}

std::vector<int64_t> BatchSampler::draw(int64_t size, torch::Generator& g) const {
  const bool have_video = !video_buckets_.empty(), have_image = !image_buckets_.empty();
  if (!have_video && !have_image) throw Error("batch sampler", "no samples");
  const bool video = have_video && (!have_image || uniform(g) < video_probability_);
  const std::vector<int64_t>& bucket = pick_bucket(video ? video_buckets_ : image_buckets_, g);
  const int64_t n = static_cast<int64_t>(bucket.size());
  std::vector<int64_t> out;
  if (n >= size) {
    const auto order = torch::randperm(n, g, torch::kInt64);
    for (int64_t i = 0; i < size; ++i) out.push_back(bucket[static_cast<std::size_t>(order[i].item<int64_t>())]);
  } else {
    const auto picks = torch::randint(n, {size}, g, torch::kInt64);
    for (int64_t i = 0; i < size; ++i) out.push_back(bucket[static_cast<std::size_t>(picks[i].item<int64_t>())]);
  }
  return out;
}

}  // namespace viva
