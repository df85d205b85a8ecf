#include <gtest/gtest.h>

#include "../support/golden.h"
#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "viva/models/clip/clip_checkpoint.h"
#include "viva/models/clip/clip_model.h"

namespace viva {
namespace {

using testing::expect_close;
using testing::expect_error_containing;
using testing::golden_config;
using testing::golden_path;
using testing::TempDir;

// The fixture's config uses OpenAI's field names.
ClipOptions options_from_openai_config(const nlohmann::json& c) {
  ClipOptions o;
  o.projection_dim = c.at("embed_dim");
  o.vision.hidden_size = c.at("vision_width");
  o.vision.intermediate_size = 4 * o.vision.hidden_size;
  o.vision.num_layers = c.at("vision_layers");
  o.vision.num_heads = c.at("vision_heads");
  o.vision.image_size = c.at("image_resolution");
  o.vision.patch_size = c.at("vision_patch_size");
  o.text.hidden_size = c.at("transformer_width");
  o.text.intermediate_size = 4 * o.text.hidden_size;
  o.text.num_layers = c.at("transformer_layers");
  o.text.num_heads = c.at("transformer_heads");
  o.text.vocab_size = c.at("vocab_size");
  o.text.max_positions = c.at("context_length");
  o.text.eos_token_id = o.text.vocab_size - 1;
  return o;
}

class ClipParity : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = golden_path("clip_tiny.safetensors");
    if (path_.empty()) VIVA_NEEDS_SHARED("golden fixture clip_tiny.safetensors");
    fixture_ = std::make_unique<Checkpoint>(path_);
    options_ = options_from_openai_config(golden_config(*fixture_));
  }
  std::string path_;
  std::unique_ptr<Checkpoint> fixture_;
  ClipOptions options_;
};

TEST_F(ClipParity, VisionAndTextTowersMatchOpenAiReference) {
  torch::NoGradGuard no_grad;
  TempDir dir;
  testing::save_fixture_weights(*fixture_, dir.file("weights.safetensors"));
  ClipModel model(options_);
  load_clip(model, Checkpoint(dir.file("weights.safetensors")));
  const auto pixels = fixture_->load("input.pixel_values");
  const auto ids = fixture_->load("input.input_ids");

  const ClipVisionOutput vision = model->vision_model(pixels, -1, true);
  for (int k = 1; k <= 3; ++k)
    expect_close(vision.trace[k - 1], fixture_->load("output.vision_hidden_after_layer_" + std::to_string(k)),
                 "vision_hidden_after_layer_" + std::to_string(k));
  expect_close(vision.pooled, fixture_->load("output.vision_pooled"), "vision_pooled");
  const auto image_embeds = model->visual_projection(vision.pooled);
  expect_close(image_embeds, fixture_->load("output.image_embeds"), "image_embeds");

  const ClipTextOutput text = model->text_model->forward(ids, torch::Tensor(), true);
  for (int k = 1; k <= 3; ++k)
    expect_close(text.trace[k - 1], fixture_->load("output.text_hidden_after_layer_" + std::to_string(k)),
                 "text_hidden_after_layer_" + std::to_string(k));
  expect_close(text.last_hidden_state, fixture_->load("output.text_last_hidden_state"), "text_last_hidden_state");
  expect_close(text.pooled, fixture_->load("output.text_pooled"), "text_pooled");
  const auto text_embeds = model->text_projection(text.pooled);
  expect_close(text_embeds, fixture_->load("output.text_embeds"), "text_embeds");
  expect_close(model->logits_per_image(image_embeds, text_embeds), fixture_->load("output.logits_per_image"),
               "logits_per_image");
}

TEST_F(ClipParity, PenultimateLayerForLlavaAndTowerOnlyLayouts) {
  torch::NoGradGuard no_grad;
  TempDir dir;
  std::vector<NamedTensor> llava;
  for (const auto& name : fixture_->names())
    if (name.rfind("vision_model.", 0) == 0) llava.push_back({"vision_tower." + name, fixture_->load(name)});
  llava.push_back({"multi_modal_projector.linear_1.weight", torch::zeros({2, 2})});  // not the tower's: ignored
  save_safetensors(dir.file("llava.safetensors"), llava);
  ClipVisionTransformer tower(options_.vision);
  load_clip_vision(tower, Checkpoint(dir.file("llava.safetensors")));
  // LLaVA's vision_feature_layer = -2: the residual stream after the second-to-last block.
  const auto out = tower(fixture_->load("input.pixel_values"), options_.vision.num_layers - 1);
  expect_close(out.hidden, fixture_->load("output.vision_hidden_after_layer_2"), "penultimate vision features");
  EXPECT_FALSE(out.pooled.defined());

  ClipTextTransformer text(options_.text);
  load_clip_text(text, *fixture_);
  expect_close(text(fixture_->load("input.input_ids")).pooled, fixture_->load("output.text_pooled"), "text tower only");
  expect_error_containing([&] { load_clip_text(text, Checkpoint(dir.file("llava.safetensors"))); }, {"no CLIP text tower"});
}

// PickScore_v1's shape (ViT-H/14: exact GELU, patch 14, 80-wide heads) from OpenCLIP's code,
// stored as the Hugging Face CLIPModel it is published as; two images and two texts of
// different lengths (tools/fixtures/make_clip_vit_h_fixture.py). Within 1e-5 relative.
TEST(ClipParityVitH, GeluTowersMatchOpenClip) {
  const std::string path = golden_path("clip_vit_h_tiny.safetensors");
  ASSERT_FALSE(path.empty()) << "tests/golden/clip_vit_h_tiny.safetensors is part of the repository";
  torch::NoGradGuard no_grad;
  const Checkpoint fixture(path);
  const ClipOptions options = ClipOptions::from_hf_config(golden_config(fixture), path);
  ASSERT_EQ(options.vision.activation, ClipActivation::Gelu);
  ASSERT_EQ(options.text.activation, ClipActivation::Gelu);
  TempDir dir;
  testing::save_fixture_weights(fixture, dir.file("model.safetensors"));
  ClipModel model(options);
  load_clip(model, Checkpoint(dir.file("model.safetensors")));
  const auto close = [&](const torch::Tensor& actual, const std::string& name) {
    expect_close(actual, fixture.load("output." + name), name, 1e-5);
  };

  const ClipVisionOutput vision = model->vision_model(fixture.load("input.pixel_values"), -1, true);
  const ClipTextOutput text = model->text_model->forward(fixture.load("input.input_ids"), torch::Tensor(), true);
  for (int k = 1; k <= 2; ++k) {
    close(vision.trace[k - 1], "vision_hidden_after_layer_" + std::to_string(k));
    close(text.trace[k - 1], "text_hidden_after_layer_" + std::to_string(k));
  }
  close(vision.pooled, "vision_pooled");
  close(text.last_hidden_state, "text_last_hidden_state");
  close(text.pooled, "text_pooled");
  const auto image_embeds = model->visual_projection(vision.pooled);
  const auto text_embeds = model->text_projection(text.pooled);
  close(image_embeds, "image_embeds");
  close(text_embeds, "text_embeds");
  close(model->logits_per_image(image_embeds, text_embeds), "logits_per_image");
}

TEST(Clip, RejectsBadInputs) {
  ClipOptions o;
  o.vision = clip_vision_options_from_hf({{"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 1},
                                          {"num_attention_heads", 2}, {"image_size", 16}, {"patch_size", 8}},
                                         "config.json");
  o.text = clip_text_options_from_hf({{"hidden_size", 16}, {"intermediate_size", 32}, {"num_hidden_layers", 1},
                                      {"num_attention_heads", 2}, {"vocab_size", 10}, {"max_position_embeddings", 4},
                                      {"eos_token_id", 2}},
                                     "config.json");
  EXPECT_EQ(o.text.eos_token_id, 9);  // HF's legacy eos 2 means "the largest id"
  ClipModel model(o);
  expect_error_containing([&] { model->vision_model(torch::zeros({1, 3, 8, 8})); }, {"expected pixels [B, 3, 16, 16]"});
  expect_error_containing([&] { model->text_model(torch::zeros({1, 5}, torch::kInt64)); }, {"0 < L <= 4"});
  expect_error_containing([&] { model->text_model(torch::full({1, 2}, 10, torch::kInt64)); }, {"out of range"});
  expect_error_containing([] { clip_vision_options_from_hf({{"hidden_act", "relu"}}, "config.json"); },
                          {"config.json", "'relu' is not supported"});
}

}  // namespace
}  // namespace viva
