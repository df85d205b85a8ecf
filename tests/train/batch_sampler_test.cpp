#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "../support/encoded_pairs.h"
#include "viva/train/batch_sampler.h"
#include "viva/train/sft_config.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

class BatchSamplerTest : public testing::EncodedPairsTest {};
using testing::copy_cache_making_scene_wide;

// Task weights: weight 0 leaves a task out, weight 3 makes its samples three times as likely as
// the others' of the same kind.
TEST_F(BatchSamplerTest, WeighsTasks) {
  TempDir dir;
  const ConditionCache original(dir_->file("cache"));
  ASSERT_EQ(original.kind(0), SampleKind::Video);
  int64_t videos = 0;
  for (int64_t i = 0; i < original.size(); ++i) videos += original.kind(i) == SampleKind::Video;
  copy_cache_making_scene_wide(dir_->file("cache"), dir.file("cache"), [&](int64_t row) {
    return row > 0 && original.kind(row) == SampleKind::Video;  // every video but row 0
  });
  ASSERT_GE(videos, 2);
  const ConditionCache cache(dir.file("cache"));
  // With video probability 1 only the videos are drawn: row 0 and videos - 1 scene-wide ones.
  const auto background_share = [&](const std::map<std::string, double>& weights) {
    const BatchSampler sampler(cache, 1.0, weights);
    torch::Generator g = at::detail::createCPUGenerator(3);
    int64_t background = 0, total = 0;
    for (int draw = 0; draw < 1000; ++draw)
      for (const int64_t i : sampler.draw(1, g)) background += cache.task(i) == "background", ++total;
    return static_cast<double>(background) / static_cast<double>(total);
  };
  EXPECT_EQ(background_share({{"background", 0}}), 0.0);
  const double scene_wide = static_cast<double>(videos - 1);
  EXPECT_NEAR(background_share({}), scene_wide / (scene_wide + 1), 0.05);
  EXPECT_NEAR(background_share({{"background", 3}}), 3 * scene_wide / (3 * scene_wide + 1), 0.05);
  EXPECT_EQ(BatchSampler(cache, 0.5, {{"background", 0}}).video_samples(), 1);
  std::map<std::string, double> none;
  for (int64_t i = 0; i < cache.size(); ++i) none[cache.task(i)] = 0;
  expect_error_containing([&] { BatchSampler(cache, 0.5, none); }, {"leave out every sample"});
  expect_error_containing([&] { BatchSampler(cache, 0.5, {{"attribute", -1}}); }, {"'attribute'", ">= 0"});
  std::ofstream(dir.file("run.json")) << R"({"model": "m", "cache": "c", "out": "o", "task_weights": {"style": -2}})";
  expect_error_containing([&] { SftConfig::read(dir.file("run.json")); }, {"run.json", "task_weights", "'style'"});
  std::ofstream(dir.file("run2.json")) << R"({"model": "m", "cache": "c", "out": "o", "task_weights": {"style": 0.5}})";
  EXPECT_EQ(SftConfig::read(dir.file("run2.json")).to_json()["task_weights"]["style"], 0.5);
}

// The paper's video/image mixing (0.4 and 0.6 video): over many micro-batches the share of
// video batches stays within four binomial standard deviations of p.
TEST_F(BatchSamplerTest, MixesVideoAndImageBatchesAtTheConfiguredRate) {
  const ConditionCache cache(dir_->file("cache"));
  const BatchSampler probe(cache, 0.5);
  ASSERT_GT(probe.video_samples(), 0);
  ASSERT_GT(probe.image_samples(), 0);
  for (const double p : {0.4, 0.6}) {
    const BatchSampler sampler(cache, p);
    torch::Generator g = at::detail::createCPUGenerator(11);
    const int draws = 4000;
    int videos = 0;
    for (int d = 0; d < draws; ++d) {
      const auto batch = sampler.draw(1, g);
      videos += cache.kind(batch.front()) == SampleKind::Video;
    }
    const double bound = 4 * std::sqrt(draws * p * (1 - p));  // about 124 of 4000
    EXPECT_NEAR(videos, draws * p, bound) << "p = " << p;
  }
  // The extremes are exact.
  torch::Generator g = at::detail::createCPUGenerator(12);
  for (int d = 0; d < 200; ++d) {
    EXPECT_EQ(cache.kind(BatchSampler(cache, 1.0).draw(1, g).front()), SampleKind::Video);
    EXPECT_EQ(cache.kind(BatchSampler(cache, 0.0).draw(1, g).front()), SampleKind::Image);
  }
}

}  // namespace
}  // namespace viva
