#pragma once
// Shape-bucketed batches for SFT (viva.md §2 Image pairs): samples are grouped by kind, latent
// shape and whether they carry a reference; each micro-batch first draws the kind (video with
// probability p when both exist), then a bucket of that kind in proportion to its size, then
// its samples, so every batch stacks without padding. Task weights (SftConfig::task_weights) make
// a sample of a task that many times as likely as one of weight 1, within its kind: a bucket is
// drawn in proportion to its samples' weights, then its samples in proportion to theirs.
#include <torch/torch.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "viva/data/condition_cache.h"

namespace viva {

class BatchSampler {
 public:
  // task_weights: by the cache index's task; tasks not named weigh 1, weight 0 leaves a task out.
  BatchSampler(const ConditionCache& cache, double video_probability,
               const std::map<std::string, double>& task_weights = {});
  // Indices of one batch of `size` samples (drawn without replacement within the bucket when it
  // is large enough), using only `generator`.
  std::vector<int64_t> draw(int64_t size, torch::Generator& generator) const;
  int64_t video_samples() const { return count(SampleKind::Video); }
  int64_t image_samples() const { return count(SampleKind::Image); }

 private:
  struct Bucket {
    std::vector<int64_t> indices;
    std::vector<double> weights;  // empty: every sample weighs 1
    double total = 0;             // the samples' summed weight
  };
  int64_t count(SampleKind kind) const;
  double video_probability_;
  std::vector<Bucket> video_buckets_, image_buckets_;
};

}  // namespace viva
