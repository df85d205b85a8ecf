// Frame-text alignment and PickScore (metrics.md §3.4, §3.6) with a tiny CLIP: the score is the
// mean over every frame of exp(logit_scale) × cosine, not the cosine of a mean embedding; PickScore
// first caps the longer side at 672 px, keeping the aspect.
#include <gtest/gtest.h>

#include "../support/cli_run.h"
#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/core/atomic_file.h"
#include "viva/data/manifest.h"
#include "viva/eval/text_alignment.h"
#include "viva/io/video_reader.h"
#include "viva/models/clip/clip_checkpoint.h"
#include "viva/nn/media_tensors.h"

namespace viva {
namespace {

VideoFrames random_video(int frames, int height, int width, uint64_t seed) {
  torch::manual_seed(seed);
  return tensor_to_video(torch::rand({3, frames, height, width}) * 2 - 1, 24.0);
}

TEST(TextAlignment, MeanOverEveryFrameOfTheScaledCosine) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  testing::TempDir dir;
  torch::manual_seed(3);
  write_clip_folder(ClipModel(ClipOptions::tiny()), dir.file("clip"),
                    testing::test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz");
  ClipScorer clip(dir.file("clip"), torch::kCPU);
  const VideoFrames video = random_video(7, 32, 48, 1);
  const std::string caption = "a red ball on grass";

  // By hand: each frame alone, then the mean of their scores.
  const auto text = clip.text_embeddings({caption})[0];
  const auto frames = video_to_tensor(video);
  double sum = 0;
  for (int64_t t = 0; t < 7; ++t) {
    const auto one = clip.frame_embeddings(frames.narrow(1, t, 1).unsqueeze(0), 1)[0][0];
    sum += clip.logit_scale() * torch::dot(one, text).item<double>();
  }
  const double score = frame_text_alignment(clip, video, caption);
  EXPECT_NEAR(score, sum / 7, 1e-4 * std::abs(sum / 7) + 1e-6);
  // Not the score of the mean embedding.
  const double of_mean = clip.logit_scale() * torch::dot(clip.video_embeddings(frames.unsqueeze(0), 7)[0], text).item<double>();
  EXPECT_GT(std::abs(score - of_mean), 1e-6);

  // PickScore on a wide video is the plain score of the video capped at 672 px.
  const VideoFrames wide = random_video(2, 40, 1344, 2);
  const VideoFrames capped = tensor_to_video(cap_longer_side(video_to_tensor(wide), 672), 24.0);
  EXPECT_EQ(capped.width, 672);
  EXPECT_EQ(capped.height, 20);
  EXPECT_NEAR(pickscore(clip, wide, caption), frame_text_alignment(clip, capped, caption), 1e-3);
}

// A CLIP trained by `viva train clip` on ShapesWorld scores each clip higher with its own caption
// than with another scene's, on most clips.
TEST(TextAlignment, ATrainedClipPrefersTheCaptionThatNamesTheClip) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  testing::TempDir dir;
  ASSERT_EQ(testing::run_viva(dir, "data shapes --out " + dir.file("data") + " --n 48 --seed 3 --frames 5 --image-fraction 0")
                .status,
            0);
  write_file_atomically(dir.file("clip.json"),
                        nlohmann::json({{"manifest", dir.file("data/manifest.jsonl")}, {"out", dir.file("clip")},
                                        {"merges", testing::test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz"},
                                        {"objective", "contrastive"}, {"steps", 200}, {"batch_size", 32},
                                        {"checkpoint_every", 200}, {"seed", 0}})
                            .dump());
  ASSERT_EQ(testing::run_viva(dir, "train clip --config " + dir.file("clip.json")).status, 0);
  ClipScorer clip(dir.file("clip/model"), torch::kCPU);
  const auto rows = read_manifest(dir.file("data/manifest.jsonl")).rows;
  ASSERT_GE(rows.size(), 40u);
  int own_wins = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const VideoFrames video = read_video(rows[i].target);
    const std::string& other = rows[(i + 1) % rows.size()].target_caption;
    own_wins += frame_text_alignment(clip, video, rows[i].target_caption) > frame_text_alignment(clip, video, other);
  }
  EXPECT_GE(own_wins, static_cast<int>(0.75 * rows.size())) << own_wins << " of " << rows.size();
}

TEST(TextAlignment, CapKeepsTheAspectAndLeavesSmallFramesAlone) {
  EXPECT_EQ(cap_longer_side(torch::zeros({3, 1, 1000, 500}), 672).sizes(), (std::vector<int64_t>{3, 1, 672, 336}));
  EXPECT_EQ(cap_longer_side(torch::zeros({3, 2, 64, 1344}), 672).sizes(), (std::vector<int64_t>{3, 2, 32, 672}));
  const auto small = torch::rand({3, 1, 480, 672});
  EXPECT_TRUE(torch::equal(cap_longer_side(small, 672), small));
}

}  // namespace
}  // namespace viva
