#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../support/encoded_pairs.h"
#include "viva/data/condition_cache.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

class EncodeDataset : public testing::EncodedPairsTest {};

TEST_F(EncodeDataset, CachesEveryPairWithMasksOnTheLatentGrid) {
  EXPECT_EQ(summary_.encoded, 4);
  EXPECT_EQ(summary_.failed, 0);
  const ConditionCache cache(dir_->file("cache"));
  ASSERT_EQ(cache.size(), 4);
  const CachedSample video = cache.load(0), image = cache.load(3);
  EXPECT_EQ(video.target.sizes(), (std::vector<int64_t>{4, 3, 16, 16}));
  EXPECT_EQ(image.target.sizes(), (std::vector<int64_t>{4, 1, 16, 16}));
  EXPECT_EQ(video.mask.sizes(), (std::vector<int64_t>{1, 3, 16, 16}));
  // Pixel box x 8..39, y 16..47 -> latent columns 2..9, rows 4..11 (4x spatial compression).
  EXPECT_EQ(video.mask.sum().item<double>(), 3 * 8 * 8);
  EXPECT_EQ(video.mask[0][1][4][2].item<float>(), 1.0f);
  EXPECT_EQ(video.mask[0][1][3][2].item<float>(), 0.0f);
  EXPECT_GT(video.tokens.size(0), video.uncond_tokens.size(0));

  // A second run finds everything cached; a broken row is reported and skipped.
  std::filesystem::copy_file(dir_->file("pairs/manifest.jsonl"), dir_->file("pairs/more.jsonl"));
  std::ofstream(dir_->file("pairs/more.jsonl"), std::ios::app)
      << R"({"id": "broken", "kind": "video", "task": "add", "source": "nope.mp4", "target": "nope.mp4", "instruction": "x"})"
      << "\n{not json\n";
  VivaPipeline pipeline(model_, torch::kCPU, torch::kFloat32);
  EncodeDatasetOptions o;
  o.manifest = dir_->file("pairs/more.jsonl");
  o.out = dir_->file("cache");
  o.progress.set_mode(ProgressMode::Silent);
  const EncodeSummary again = encode_dataset(pipeline, o);
  EXPECT_EQ(again.already_cached, 4);
  EXPECT_EQ(again.encoded, 0);
  EXPECT_EQ(again.failed, 2);
  EXPECT_EQ(ConditionCache(dir_->file("cache")).size(), 4);

  // A kill while appending to the index leaves a torn last line: readers skip it and the
  // writer drops it.
  std::ofstream(dir_->file("cache/index.jsonl"), std::ios::app) << R"({"id": "pai)";
  EXPECT_EQ(ConditionCache(dir_->file("cache")).size(), 4);
  EXPECT_EQ(ConditionCacheWriter(dir_->file("cache"), 4).cached(), 4);
  EXPECT_EQ(ConditionCache(dir_->file("cache")).size(), 4);
}

}  // namespace
}  // namespace viva
