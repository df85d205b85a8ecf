#pragma once
// Shape-bucketed batches for SFT (viva.md §2 Image pairs): samples are grouped by kind, latent
// shape and whether they carry a reference; each micro-batch first draws the kind (video with
// probability p when both exist), then a bucket of that kind in proportion to its size, then
// its samples, so every batch stacks without padding.
#include <torch/torch.h>

#include <map>
#include <tuple>
#include <vector>

#include "viva/data/condition_cache.h"

namespace viva {

class BatchSampler {
 public:
  BatchSampler(const ConditionCache& cache, double video_probability);
  // Indices of one batch of `size` samples (drawn without replacement within the bucket when it
  // is large enough), using only `generator`.
  std::vector<int64_t> draw(int64_t size, torch::Generator& generator) const;
  int64_t video_samples() const { return count(SampleKind::Video); }
  int64_t image_samples() const { return count(SampleKind::Image); }

 private:
  int64_t count(SampleKind kind) const;
  double video_probability_;
  std::vector<std::vector<int64_t>> video_buckets_, image_buckets_;
};

}  // namespace viva
