#pragma once
// The condition cache (`viva data encode`): everything the DiT trains on, computed once by the
// frozen VAE, VLM instructor and CLIP. A cache folder holds
//   shard-00000.safetensors, ...  tensors "<id>/<field>" for the samples of that shard
//   index.jsonl                   one line per cached sample: id, shard, kind, task, split, shape
//   errors.jsonl                  rows that could not be encoded, with the reason
// A shard is written whole (temporary name, then rename) and only then listed in the index, so
// a killed run loses at most the shard in progress and `encode` resumes where the index ends.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "viva/core/checkpoint.h"
#include "viva/data/manifest.h"

namespace viva {

// One cached sample; latents are [C, T', H', W'] (batch dimension dropped).
struct CachedSample {
  std::string id;
  SampleKind kind = SampleKind::Video;
  std::string task, split;
  torch::Tensor source, target;     // scaled VAE latents; no source in text-to-video samples
  torch::Tensor mask;               // [1, T', H', W'] edit mask on the latent grid (max-pooled), 0/1
  torch::Tensor reference;          // [C, 1, H', W'] or undefined
  torch::Tensor tokens, uncond_tokens;  // [K, D] instructor states, unpadded
  torch::Tensor pooled, uncond_pooled;  // [P]
};

// Pixel mask [T, H, W] (1 = edited) -> latent grid [1, T', H', W'] with the causal VAE's
// grouping (frame 0 alone, then groups of `time` frames) and `space` x `space` blocks; a latent
// element is edited if any of its pixels is.
torch::Tensor mask_to_latent_grid(const torch::Tensor& mask, int64_t time, int64_t space);

class ConditionCacheWriter {
 public:
  // Opens or creates `folder`; the ids already in its index are reported by done().
  ConditionCacheWriter(const std::string& folder, int64_t shard_size);
  ~ConditionCacheWriter();  // without flush(): the samples of the unfinished shard are dropped
  bool done(const std::string& id) const;
  int64_t cached() const { return static_cast<int64_t>(done_.size()); }
  void add(CachedSample sample);
  void add_error(const ManifestRow& row, const std::string& error);
  // Writes the pending samples as a (possibly short) shard.
  void flush();

 private:
  std::string folder_;
  int64_t shard_size_;
  int64_t next_shard_ = 0;
  std::vector<CachedSample> pending_;
  std::unordered_set<std::string> done_;
};

class ConditionCache {
 public:
  explicit ConditionCache(const std::string& folder);
  int64_t size() const { return static_cast<int64_t>(entries_.size()); }
  // Metadata without loading tensors.
  const std::string& id(int64_t i) const { return entries_[static_cast<std::size_t>(i)].id; }
  SampleKind kind(int64_t i) const { return entries_[static_cast<std::size_t>(i)].kind; }
  const std::vector<int64_t>& latent_shape(int64_t i) const { return entries_[static_cast<std::size_t>(i)].shape; }
  bool has_reference(int64_t i) const { return entries_[static_cast<std::size_t>(i)].reference; }
  const std::string& task(int64_t i) const { return entries_[static_cast<std::size_t>(i)].task; }
  CachedSample load(int64_t i) const;

 private:
  struct Entry {
    std::string id, task, split;
    SampleKind kind;
    int64_t shard;
    std::vector<int64_t> shape;  // target latent [C, T', H', W']
    bool reference = false;
  };
  std::string folder_;
  std::vector<Entry> entries_;
  std::vector<std::unique_ptr<Checkpoint>> shards_;
};

}  // namespace viva
