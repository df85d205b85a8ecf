// Text-to-video pretraining: text-only instructor states, the caption cache, the DiT without the
// context projector trained by the SFT loss, and the VIVA editor made from it.
#include <gtest/gtest.h>

#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/data/toy_pairs.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/models/vae/causal_vae.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/encode_dataset.h"
#include "viva/pipeline/model_folder.h"
#include "viva/train/sft_trainer.h"
#include "viva/train/text_to_video_init.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

HunyuanDit load_transformer(const std::string& model) {
  const std::string folder = model + "/transformer";
  HunyuanDit dit(DitOptions::from_json(load_json_file(folder + "/config.json"), folder));
  load_dit(dit, Checkpoint(folder));
  dit->eval();
  return dit;
}

TEST(TextToVideo, InstructorWithoutFirstFrameSeesOnlyText) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const std::string model = testing::write_tiny_model(dir);
  const VivaModelConfig config = VivaModelConfig::read(model);
  LlavaModel vlm(LlavaOptions::from_hf_config(load_json_file(model + "/text_encoder/config.json"), "config"));
  load_llava(vlm, Checkpoint(model + "/text_encoder"));
  const BpeTokenizer tokenizer = BpeTokenizer::from_file(model + "/" + config.tokenizer);
  VlmInstructorOptions options = config.instructor;
  const Image red(64, 64, 200), blue(64, 64, 30);
  const InstructorOutput with_frame = VlmInstructor(vlm, tokenizer, options).encode("add a box", red);
  options.first_frame = false;
  VlmInstructor text_only(vlm, tokenizer, options);
  const InstructorOutput a = text_only.encode("add a box", red), b = text_only.encode("add a box", blue);
  EXPECT_EQ(a.image_tokens, 0);
  EXPECT_GT(with_frame.image_tokens, 0);
  EXPECT_EQ(a.tokens.size(1), with_frame.tokens.size(1) - with_frame.image_tokens);
  EXPECT_TRUE(torch::equal(a.tokens, b.tokens));
  EXPECT_FALSE(torch::allclose(a.tokens, text_only.encode("remove the box", red).tokens));
  // A reference image is still shown.
  EXPECT_GT(text_only.encode("add a box", red, blue).image_tokens, 0);
}

TEST(TextToVideo, PretrainsOnCaptionsAndBecomesAnEditorThatStartsEqualToIt) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const std::string base = testing::write_tiny_model(dir);
  const std::string t2v = dir.file("t2v");
  write_text_to_video_model(base, t2v, 3);
  expect_error_containing([&] { VivaPipeline(t2v, torch::kCPU, torch::kFloat32); },
                          {"transformer", "text-to-video", "not a VIVA editor"});

  // Captions of every source and target clip, without source latents.
  const std::string manifest = write_inversion_pairs(dir.file("pairs"), 2);
  {
    PipelineParts parts;
    parts.text_to_video = true;
    VivaPipeline pipeline(t2v, torch::kCPU, torch::kFloat32, parts);
    EncodeDatasetOptions o;
    o.manifest = manifest;
    o.out = dir.file("captions");
    o.text_to_video = true;
    o.progress.set_mode(ProgressMode::Silent);
    EXPECT_EQ(encode_dataset(pipeline, o).encoded, 4);
  }
  const ConditionCache captions(dir.file("captions"));
  ASSERT_EQ(captions.size(), 4);
  EXPECT_EQ(captions.id(0), "pair0#source");
  EXPECT_EQ(captions.id(1), "pair0#target");
  const CachedSample sample = captions.load(1);
  EXPECT_FALSE(sample.source.defined());
  EXPECT_EQ(sample.task, "text_to_video");

  SftConfig c;
  c.model = t2v;
  c.cache = dir.file("captions");
  c.out = dir.file("t2v_run");
  c.steps = 4;
  c.lr = 1e-3;
  c.checkpoint_every = 4;
  TrainRunOptions run;
  run.progress.set_mode(ProgressMode::Silent);
  const TrainResult trained = train_sft(c, run);
  ASSERT_TRUE(trained.finished);
  EXPECT_TRUE(std::isfinite(trained.last("loss")));

  // An editor trained on this cache is refused: it has no source latents.
  SftConfig wrong = c;
  wrong.model = base;
  wrong.out = dir.file("wrong_run");
  expect_error_containing([&] { train_sft(wrong, run); }, {"captions", "text-to-video samples", "VIVA editor"});

  const std::string editor = dir.file("editor");
  write_editor_from_text_to_video(trained.output, editor);
  VivaPipeline pipeline(editor, torch::kCPU, torch::kFloat32, PipelineParts::transformer_only());
  HunyuanDit text_to_video = load_transformer(trained.output);
  HunyuanDit edit = load_transformer(editor);
  ASSERT_TRUE(edit->options.context_projector);
  torch::NoGradGuard no_grad;
  DitInput in;
  in.x = torch::randn({1, 4, 3, 16, 16});
  in.t = torch::full({1}, 500.0);
  in.text = torch::randn({1, 5, 32});
  in.pooled = torch::randn({1, 32});
  const auto expected = text_to_video->forward(in);
  in.source = torch::randn({1, 4, 3, 16, 16});
  EXPECT_TRUE(torch::allclose(edit->forward(in), expected, 1e-4, 1e-5));
  expect_error_containing([&] { write_editor_from_text_to_video(editor, dir.file("again")); }, {"already a VIVA editor"});
}

TEST(TextToVideo, FreshTransformerFollowsTheLatentWidthOfTheModelsVae) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const std::string base = testing::write_tiny_model(dir);
  // The base model with a VAE of 8 latent channels (the tiny DiT has 4).
  const ModelFolder model(base);
  VaeOptions vae_options = model.vae_options();
  vae_options.latent_channels = 8;
  CausalVae vae(vae_options);
  const std::string wide = dir.file("wide");
  model.write_with_component(
      ModelComponent::Vae, wide, [&](const std::string& weights) { save_parameters(*vae, weights); },
      vae_options.to_json());
  expect_error_containing([&] { VivaPipeline(wide, torch::kCPU, torch::kFloat32); },
                          {"transformer/config.json", "in_channels 4", "8 latent channels"});

  const std::string t2v = dir.file("t2v");
  write_text_to_video_model(wide, t2v, 0);
  PipelineParts parts;
  parts.text_to_video = true;
  VivaPipeline pipeline(t2v, torch::kCPU, torch::kFloat32, parts);
  EXPECT_EQ(pipeline.transformer()->options.in_channels, 8);
  EXPECT_EQ(pipeline.transformer()->options.out_channels, 8);
}

TEST(TextToVideo, FreshTransformerTakesAnotherArchitectureAndTheEditorInheritsIt) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const std::string base = testing::write_tiny_model(dir);
  const std::string t2v = dir.file("t2v");
  write_text_to_video_model(base, t2v, 0, {{"hidden_size", 96}, {"heads_num", 3}, {"patch_size", {1, 1, 1}}});
  const std::string editor = dir.file("editor");
  write_editor_from_text_to_video(t2v, editor);
  VivaPipeline pipeline(editor, torch::kCPU, torch::kFloat32);
  EXPECT_EQ(pipeline.transformer()->options.hidden_size, 96);
  EXPECT_EQ(pipeline.transformer()->options.patch, (std::array<int64_t, 3>{1, 1, 1}));
  EXPECT_TRUE(pipeline.transformer()->options.context_projector);
  expect_error_containing([&] { write_text_to_video_model(base, dir.file("bad"), 0, {{"text_states_dim", 8}}); },
                          {"text-to-video transformer", "'text_states_dim' is not an architecture key"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad")));
}

}  // namespace
}  // namespace viva
