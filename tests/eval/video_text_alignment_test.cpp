// ViCLIP video-text alignment (metrics.md §3.5): the 8 frames at ⌊i·N/8⌋ go in, in order; the
// score is 100 × the cosine of the video and caption embeddings.
#include <gtest/gtest.h>

#include "../support/needs_shared.h"
#include "../support/tiny_model.h"
#include "viva/eval/text_alignment.h"

namespace viva {
namespace {

ViclipOptions tiny_viclip() {
  ViclipOptions o;
  o.input_resolution = 16;
  o.patch_size = 8;
  o.vision_width = o.text_width = 16;
  o.vision_layers = o.text_layers = 1;
  o.vision_heads = o.text_heads = 2;
  o.embed_dim = 8;  // 8 frames, context 32 and the full vocabulary, as the released model
  return o;
}

// Frame i filled with grey level 10·i.
VideoFrames numbered_frames(int n) {
  VideoFrames v(n, 24, 32, 24.0);
  for (int i = 0; i < n; ++i)
    std::fill(v.pixels.begin() + static_cast<std::ptrdiff_t>(i) * 24 * 32 * 3,
              v.pixels.begin() + static_cast<std::ptrdiff_t>(i + 1) * 24 * 32 * 3, static_cast<uint8_t>(10 * i));
  return v;
}

TEST(VideoTextAlignment, EightFramesAtFloorOfIndexTimesCountOverEight) {
  const auto frames = viclip_frames(numbered_frames(20), tiny_viclip());
  ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{1, 8, 3, 16, 16}));
  const double mean = 0.48145466, std = 0.26862954;  // CLIP's red channel
  int i = 0;
  for (int picked : {0, 2, 5, 7, 10, 12, 15, 17})  // ⌊i·20/8⌋
    EXPECT_NEAR(frames[0][i++][0][8][8].item<double>(), (10.0 * picked / 255 - mean) / std, 2e-2) << picked;
}

TEST(VideoTextAlignment, IsOneHundredTimesTheCosine) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  torch::manual_seed(5);
  ViclipModel viclip(tiny_viclip());
  viclip->eval();
  const ClipTokenizer tokenizer = ClipTokenizer::from_file(testing::test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz");
  const VideoFrames video = numbered_frames(9);
  const std::string caption = "a grey screen slowly getting brighter";
  torch::NoGradGuard no_grad;
  const auto v = viclip->vision_encoder->forward(viclip_frames(video, viclip->options))[0];
  const auto t = viclip->text_encoder->forward(torch::tensor(tokenizer.encode_row(caption, 32, 0), torch::kInt64).unsqueeze(0))[0];
  const double expected = 100.0 * (torch::dot(v, t) / (v.norm() * t.norm())).item<double>();
  EXPECT_NEAR(video_text_alignment(viclip, tokenizer, video, caption), expected, 1e-4);
  EXPECT_LE(std::abs(expected), 100.0);
}

}  // namespace
}  // namespace viva
