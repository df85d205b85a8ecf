#include <gtest/gtest.h>

#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/models/clip/clip_checkpoint.h"
#include "viva/rewards/edit_rewards.h"

namespace viva {
namespace {

using testing::TempDir;

std::string write_tiny_clip(const TempDir& dir, const std::string& name, uint64_t seed) {
  torch::manual_seed(seed);
  ClipModel model(ClipOptions::tiny());
  write_clip_folder(model, dir.file(name), testing::test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz");
  return dir.file(name);
}

// Each reward against its definition (paper Eq. 4–7) computed from the scorer's embeddings.
TEST(EditRewards, ComponentsFollowTheirDefinitions) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  RewardOptions o;
  o.clip = write_tiny_clip(dir, "clip", 1);
  o.pickscore = write_tiny_clip(dir, "pickscore", 2);
  o.w_instruction = 1.0;
  o.w_preservation = 0.5;
  o.w_pickscore = 0.1;
  o.w_brightness = 2.0;
  o.frames = 3;
  EditRewardModel rewards(o, torch::kCPU);
  torch::manual_seed(0);
  const auto source = torch::rand({1, 3, 5, 32, 32}) * 2 - 1;
  auto edited = torch::rand({4, 3, 5, 32, 32}) * 2 - 1;
  edited[0] = source[0];  // an unchanged edit preserves the source exactly
  const RewardBreakdown r = rewards.score(source, edited, "a red ball", "a blue ball");

  ClipScorer clip(o.clip, torch::kCPU), pick(o.pickscore, torch::kCPU);
  const auto e = clip.video_embeddings(edited, 3), s = clip.video_embeddings(source, 3);
  const auto t = clip.text_embeddings({"a blue ball", "a red ball"});
  EXPECT_TRUE(torch::allclose(r.instruction, (e * t[0]).sum(-1) - (e * t[1]).sum(-1), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(r.preservation, (e * s).sum(-1), 1e-5, 1e-6));
  EXPECT_NEAR(r.preservation[0].item<double>(), 1.0, 1e-5);
  const auto frames = pick.frame_embeddings(edited, 3);  // [4, 3, D]
  const auto text = pick.text_embeddings({"a blue ball"})[0];
  const auto expected_ps = pick.logit_scale() * (frames * text).sum(-1).mean(1);
  EXPECT_TRUE(torch::allclose(r.pickscore, expected_ps, 1e-4, 1e-5));
  EXPECT_NEAR(pick.logit_scale(), 1 / 0.07, 1e-3);  // a fresh CLIP's logit scale
  const auto brightness = ((edited + 1) / 2).flatten(1).mean(1);
  EXPECT_TRUE(torch::allclose(r.brightness, brightness, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(r.total, r.instruction + 0.5 * r.preservation + 0.1 * r.pickscore + 2.0 * brightness, 1e-4, 1e-5));
  // Embeddings are unit vectors, frame order matters not for the video mean of identical frames.
  EXPECT_TRUE(torch::allclose(e.norm(2, -1), torch::ones({4}), 1e-5, 1e-6));
}

// The reward checkpoints' own configs: openai/clip-vit-large-patch14 (R_IF, R_SP) and
// PickScore_v1, a CLIP ViT-H/14 (laion/CLIP-ViT-H-14-laion2B-s32B-b79K) fine-tuned on preferences.
TEST(EditRewards, ReadsTheRewardModelsConfigs) {
  const nlohmann::json pickscore = {
      {"projection_dim", 1024},
      {"text_config", {{"hidden_size", 1024}, {"intermediate_size", 4096}, {"num_attention_heads", 16},
                       {"num_hidden_layers", 24}, {"hidden_act", "gelu"}, {"vocab_size", 49408}}},
      {"vision_config", {{"hidden_size", 1280}, {"intermediate_size", 5120}, {"num_attention_heads", 16},
                         {"num_hidden_layers", 32}, {"patch_size", 14}, {"image_size", 224}, {"hidden_act", "gelu"}}}};
  const ClipOptions h = ClipOptions::from_hf_config(pickscore, "PickScore_v1/config.json");
  EXPECT_EQ(h.projection_dim, 1024);
  EXPECT_EQ(h.vision.num_layers, 32);
  EXPECT_EQ(h.vision.hidden_size, 1280);
  EXPECT_EQ(h.vision.activation, ClipActivation::Gelu);
  EXPECT_EQ(h.text.num_layers, 24);
  EXPECT_EQ(h.text.activation, ClipActivation::Gelu);
  // A config written by to_hf_config reads back to the same options.
  const ClipOptions l = ClipOptions::vit_large_patch14();
  const ClipOptions back = ClipOptions::from_hf_config(l.to_hf_config(), "round trip");
  EXPECT_EQ(back.to_hf_config(), l.to_hf_config());
  EXPECT_EQ(back.vision.patch_size, 14);
  EXPECT_EQ(back.projection_dim, 768);
}

TEST(EditRewards, SwitchedOffComponentsAreNotComputed) {
  RewardOptions o;
  o.w_instruction = o.w_preservation = o.w_pickscore = 0;
  o.w_brightness = 1;
  EditRewardModel rewards(o, torch::kCPU);  // no model folders needed
  const auto white = torch::ones({2, 3, 1, 8, 8});
  const RewardBreakdown r = rewards.score(white, white, "", "");
  EXPECT_FALSE(r.instruction.defined());
  EXPECT_FALSE(r.pickscore.defined());
  EXPECT_TRUE(torch::allclose(r.total, torch::ones({2})));
}

}  // namespace
}  // namespace viva
