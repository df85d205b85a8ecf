// Temporal consistency (metrics.md §3.3) against hand computations: VBench's and the consecutive
// variant on features with known cosines; a static clip scores exactly 1 through a DINO backbone
// and a moving one less; reordering frames lowers both; a dataset's score is frame-weighted;
// VBench's resizing and normalisation give the sizes and values torchvision gives.
#include <gtest/gtest.h>

#include <cmath>

#include "viva/eval/video_consistency.h"

namespace viva {
namespace {

VideoFrames grey_video(int frames, int height, int width, uint8_t level) {
  VideoFrames v(frames, height, width, 24.0);
  std::fill(v.pixels.begin(), v.pixels.end(), level);
  return v;
}

// A bright square on grey moving `step` pixels right per frame.
VideoFrames moving_square(int frames, int step) {
  VideoFrames v = grey_video(frames, 64, 96, 60);
  for (int t = 0; t < frames; ++t)
    for (int y = 20; y < 44; ++y)
      for (int x = 8 + t * step; x < 32 + t * step; ++x)
        for (int c = 0; c < 3; ++c) v.pixels[((static_cast<size_t>(t) * 64 + y) * 96 + x) * 3 + c] = 230;
  return v;
}

TEST(VideoConsistency, ScoresFollowTheDefinitions) {
  // cos(f0,f1) = 0.6, cos(f1,f2) = 0.8, cos(f2,f3) = 0, cos(f0,f2) = 0, cos(f0,f3) = -1 (clamped to 0);
  // the rows need not be unit length.
  const auto f = torch::tensor({1.0, 0.0, 1.8, 2.4, 0.0, 5.0, -1.0, 0.0}, torch::kFloat64).view({4, 2});
  const ConsistencySum vbench = vbench_consistency(f);
  EXPECT_EQ(vbench.terms, 3);
  EXPECT_NEAR(vbench.total, 0.6 + 0.4 + 0.0, 1e-12);  // ½(0.6 + 0.6), ½(0.8 + 0), ½(0 + 0)
  const ConsistencySum consecutive = consecutive_consistency(f);
  EXPECT_EQ(consecutive.terms, 3);
  EXPECT_NEAR(consecutive.total, 0.6 + 0.8 + 0.0, 1e-12);
  EXPECT_THROW(vbench_consistency(torch::ones({1, 4})), std::exception);

  // A dataset: Σ terms / Σ counts, not the mean of the videos' scores.
  ConsistencySum dataset = vbench;
  dataset += ConsistencySum{1.0, 1};
  EXPECT_NEAR(dataset.score(), (1.0 + 1.0) / 4, 1e-12);
}

TEST(VideoConsistency, ReorderingFramesLowersBoth) {
  std::vector<double> ordered, shuffled;
  for (int i = 0; i < 8; ++i) ordered.insert(ordered.end(), {std::cos(0.2 * i), std::sin(0.2 * i)});
  for (int i : {0, 7, 1, 6, 2, 5, 3, 4}) shuffled.insert(shuffled.end(), {std::cos(0.2 * i), std::sin(0.2 * i)});
  const auto a = torch::tensor(ordered).view({8, 2}), b = torch::tensor(shuffled).view({8, 2});
  EXPECT_GT(vbench_consistency(a).score(), vbench_consistency(b).score());
  EXPECT_GT(consecutive_consistency(a).score(), consecutive_consistency(b).score());
}

TEST(VideoConsistency, StaticClipScoresOneThroughDino) {
  torch::manual_seed(2);
  DinoOptions o;
  o.patch_size = 16;
  o.embed_dim = 32;
  o.depth = 2;
  o.heads = 2;
  o.mlp_hidden = 64;
  DinoVisionTransformer dino(o);
  {
    torch::NoGradGuard no_grad;
    dino->cls_token.normal_(0, 0.5);
    dino->pos_embed.normal_(0, 0.5);
  }
  dino->eval();
  const auto still = dino_frame_features(dino, vbench_dino_pixels(moving_square(5, 0)), 2);
  EXPECT_EQ(still.sizes(), (std::vector<int64_t>{5, 32}));
  EXPECT_NEAR(vbench_consistency(still).score(), 1.0, 1e-9);
  EXPECT_NEAR(consecutive_consistency(still).score(), 1.0, 1e-9);
  const auto moving = dino_frame_features(dino, vbench_dino_pixels(moving_square(5, 12)), 2);
  EXPECT_LT(vbench_consistency(moving).score(), 1.0 - 1e-6);
}

TEST(VideoConsistency, VbenchPreprocessingSizesAndValues) {
  const VideoFrames wide = grey_video(2, 72, 128, 128);
  const auto dino = vbench_dino_pixels(wide);  // shorter side 224, the longer int(224·128/72) = 398
  EXPECT_EQ(dino.sizes(), (std::vector<int64_t>{2, 3, 224, 398}));
  // A constant frame stays constant through resizing: (128/255 − mean) / std per channel.
  EXPECT_NEAR(dino[1][0][100][200].item<double>(), (128.0 / 255 - 0.485) / 0.229, 1e-5);
  EXPECT_NEAR(dino[0][2][7][9].item<double>(), (128.0 / 255 - 0.406) / 0.225, 1e-5);
  const auto clip = vbench_clip_pixels(grey_video(1, 100, 60, 128));  // tall: 224 x 373, cropped
  EXPECT_EQ(clip.sizes(), (std::vector<int64_t>{1, 3, 224, 224}));
  EXPECT_NEAR(clip[0][1][5][5].item<double>(), (128.0 / 255 - 0.4578275) / 0.26130258, 1e-5);
}

}  // namespace
}  // namespace viva
