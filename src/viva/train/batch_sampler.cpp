#include "viva/train/batch_sampler.h"

#include "viva/core/error.h"

namespace viva {
namespace {

double uniform(torch::Generator& g) { return torch::rand({1}, g).item<double>(); }

// In proportion to the buckets' weights (their sizes when unweighted: the same draw as a
// uniformly drawn sample's bucket).
template <class Bucket>
const Bucket& pick_bucket(const std::vector<Bucket>& buckets, torch::Generator& g) {
  double total = 0;
  for (const auto& b : buckets) total += b.total;
  double r = uniform(g) * total;
  for (const auto& b : buckets) {
    if (r < b.total) return b;
    r -= b.total;
  }
  return buckets.back();
}

}  // namespace

BatchSampler::BatchSampler(const ConditionCache& cache, double video_probability,
                           const std::map<std::string, double>& task_weights)
    : video_probability_(video_probability) {
  for (const auto& [task, weight] : task_weights)
    if (!(weight >= 0)) throw Error("batch sampler", "the weight of task '" + task + "' must be >= 0");
  const auto weight_of = [&](int64_t i) {
    const auto it = task_weights.find(cache.task(i));
    return it == task_weights.end() ? 1.0 : it->second;
  };
  std::map<std::tuple<int, std::vector<int64_t>, bool>, Bucket> groups;
  for (int64_t i = 0; i < cache.size(); ++i) {
    const double weight = weight_of(i);
    if (weight == 0) continue;
    Bucket& b = groups[{static_cast<int>(cache.kind(i)), cache.latent_shape(i), cache.has_reference(i)}];
    b.indices.push_back(i);
    if (!task_weights.empty()) b.weights.push_back(weight);
    b.total += weight;
  }
  if (groups.empty() && cache.size() > 0) throw Error("batch sampler", "the task weights leave out every sample");
  for (auto& [key, bucket] : groups)
    (std::get<0>(key) == static_cast<int>(SampleKind::Video) ? video_buckets_ : image_buckets_).push_back(bucket);
}

int64_t BatchSampler::count(SampleKind kind) const {
  int64_t n = 0;
  for (const auto& b : kind == SampleKind::Video ? video_buckets_ : image_buckets_)
    n += static_cast<int64_t>(b.indices.size());
  return n;
}

std::vector<int64_t> BatchSampler::draw(int64_t size, torch::Generator& g) const {
  const bool have_video = !video_buckets_.empty(), have_image = !image_buckets_.empty();
  if (!have_video && !have_image) throw Error("batch sampler", "no samples");
  const bool video = have_video && (!have_image || uniform(g) < video_probability_);
  const Bucket& chosen = pick_bucket(video ? video_buckets_ : image_buckets_, g);
  const std::vector<int64_t>& bucket = chosen.indices;
  const int64_t n = static_cast<int64_t>(bucket.size());
  std::vector<int64_t> out;
  if (!chosen.weights.empty()) {
    const auto weights = torch::tensor(chosen.weights, torch::kFloat64);
    const auto picks = torch::multinomial(weights, size, /*replacement=*/n < size, g);
    for (int64_t i = 0; i < size; ++i) out.push_back(bucket[static_cast<std::size_t>(picks[i].item<int64_t>())]);
  } else if (n >= size) {
    const auto order = torch::randperm(n, g, torch::kInt64);
    for (int64_t i = 0; i < size; ++i) out.push_back(bucket[static_cast<std::size_t>(order[i].item<int64_t>())]);
  } else {
    const auto picks = torch::randint(n, {size}, g, torch::kInt64);
    for (int64_t i = 0; i < size; ++i) out.push_back(bucket[static_cast<std::size_t>(picks[i].item<int64_t>())]);
  }
  return out;
}

}  // namespace viva
