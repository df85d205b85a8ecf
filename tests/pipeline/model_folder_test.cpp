// The one home of model folders: each component loaded alone, a copy with one component
// replaced, and errors that name the folder and the missing piece.
#include "viva/pipeline/model_folder.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/core/checkpoint.h"
#include "viva/nn/autocast_weights.h"
#include "viva/nn/weight_loading.h"

namespace viva {
namespace {

namespace fs = std::filesystem;
using testing::expect_error_containing;
using testing::TempDir;

TEST(ModelFolder, LoadsEachComponentAloneInEvalModeFromItsConfig) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const ModelFolder model(testing::write_tiny_model(dir));
  EXPECT_EQ(model.component_path(ModelComponent::Vae), model.path() + "/vae");
  const HunyuanDit dit = model.load_transformer(torch::kCPU, torch::kFloat32);
  EXPECT_FALSE(dit->is_training());
  EXPECT_EQ(dit->options.hidden_size, model.transformer_options().hidden_size);
  const CausalVae vae = model.load_vae(torch::kCPU, torch::kFloat32);
  EXPECT_EQ(vae->options.latent_channels, model.vae_options().latent_channels);
  EXPECT_FALSE(vae->is_training());
  const LlavaModel vlm = model.load_instructor(torch::kCPU, torch::kFloat32);
  EXPECT_EQ(vlm->options.image_token_id, model.instructor_options().image_token_id);
  const ClipTextTransformer clip = model.load_clip(torch::kCPU, torch::kFloat32);
  EXPECT_EQ(clip->options.hidden_size, model.clip_options().hidden_size);
  EXPECT_GT(model.load_tokenizer().encode("a red cube").size(), 0u);
  EXPECT_GT(model.load_clip_tokenizer().encode("a red cube").size(), 0u);
  // A component folder loads on its own too (a VAE trained elsewhere).
  EXPECT_EQ(load_vae_folder(model.component_path(ModelComponent::Vae), torch::kCPU, torch::kFloat32)->options.latent_channels,
            vae->options.latent_channels);
}

// Built directly in bf16 (no float32 copy on the host), each component equals the float32 one
// cast to bf16: parameters and buffers alike.
TEST(ModelFolder, LoadsInBfloat16AsTheFloat32ModelCast) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const ModelFolder model(testing::write_tiny_model(dir));
  const auto expect_cast = [](const torch::nn::Module& bf16, const torch::nn::Module& fp32, const char* what) {
    const auto a = bf16.named_parameters(), b = fp32.named_parameters();
    ASSERT_EQ(a.size(), b.size()) << what;
    for (const auto& p : b) {
      ASSERT_EQ(a[p.key()].scalar_type(), torch::kBFloat16) << what << " " << p.key();
      EXPECT_TRUE(torch::equal(a[p.key()], p.value().to(torch::kBFloat16))) << what << " " << p.key();
    }
    const auto c = bf16.named_buffers(), d = fp32.named_buffers();
    ASSERT_EQ(c.size(), d.size()) << what;
    for (const auto& q : d) EXPECT_TRUE(torch::equal(c[q.key()], q.value().to(c[q.key()].scalar_type()))) << what << " " << q.key();
  };
  expect_cast(*model.load_transformer(torch::kCPU, torch::kBFloat16), *model.load_transformer(torch::kCPU, torch::kFloat32),
              "transformer");
  expect_cast(*model.load_vae(torch::kCPU, torch::kBFloat16), *model.load_vae(torch::kCPU, torch::kFloat32), "vae");
  expect_cast(*model.load_instructor(torch::kCPU, torch::kBFloat16), *model.load_instructor(torch::kCPU, torch::kFloat32),
              "instructor");
  expect_cast(*model.load_clip(torch::kCPU, torch::kBFloat16), *model.load_clip(torch::kCPU, torch::kFloat32), "clip");
  EXPECT_EQ(c10::get_default_dtype(), caffe2::TypeMeta::Make<float>());  // restored
}

// A DiT frozen under autocast (Edit-GRPO's) is built with its linear and convolution weights in
// bf16 from the start, never in float32 first: it equals the float32 DiT with those weights
// converted afterwards, in every parameter's dtype and value.
TEST(ModelFolder, LoadsTheTransformerWithAutocastWeightsAsIfConvertedAfter) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const ModelFolder model(testing::write_tiny_model(dir));
  HunyuanDit converted = model.load_transformer(torch::kCPU, torch::kFloat32);
  hold_autocast_weights_in(*converted, torch::kBFloat16);
  const HunyuanDit held = model.load_transformer(torch::kCPU, torch::kFloat32, {}, std::nullopt, torch::kBFloat16);
  EXPECT_FALSE(held->is_training());
  const auto a = held->named_parameters(), b = converted->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  int64_t in_bf16 = 0;
  for (const auto& p : b) {
    ASSERT_EQ(a[p.key()].scalar_type(), p.value().scalar_type()) << p.key();
    EXPECT_TRUE(torch::equal(a[p.key()], p.value())) << p.key();
    in_bf16 += p.value().scalar_type() == torch::kBFloat16;
  }
  EXPECT_GT(in_bf16, 0);
  EXPECT_LT(in_bf16, static_cast<int64_t>(b.size()));  // norms and biases stay float32
}

// Built without drawing initial weights (SkipInitialisersGuard), a loaded component holds
// exactly the saved weights: none is left undrawn and unfilled.
TEST(ModelFolder, LoadedComponentsHoldTheSavedWeights) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const ModelFolder model(testing::write_tiny_model(dir));
  const auto expect_saved = [](const torch::nn::Module& loaded, const std::string& folder, const std::string& prefix) {
    const Checkpoint saved(folder);
    for (const auto& p : loaded.named_parameters())
      EXPECT_TRUE(torch::equal(p.value(), saved.load(prefix + p.key()))) << folder << ": " << p.key();
  };
  expect_saved(*model.load_transformer(torch::kCPU, torch::kFloat32), model.component_path(ModelComponent::Transformer), "");
  expect_saved(*model.load_clip(torch::kCPU, torch::kFloat32), model.component_path(ModelComponent::ClipText), "text_model.");
}

TEST(ModelFolder, WritesACopyWithOneComponentReplacedAndTheRestLinked) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const ModelFolder model(testing::write_tiny_model(dir));
  CausalVae vae = model.load_vae(torch::kCPU, torch::kFloat32);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : vae->parameters()) p.fill_(0.25);
  }
  VaeOptions options = vae->options;
  options.scaling_factor = 0.5;
  const std::string out = dir.file("out");
  model.write_with_component(
      ModelComponent::Vae, out, [&](const std::string& weights) { save_parameters(*vae, weights); }, options.to_json());

  const ModelFolder copy(out);
  EXPECT_EQ(copy.vae_options().scaling_factor, 0.5);
  for (const auto& p : copy.load_vae(torch::kCPU, torch::kFloat32)->parameters())
    EXPECT_TRUE(torch::all(p == 0.25).item<bool>());
  // The base is untouched; the other components are hard links to it.
  EXPECT_NE(model.vae_options().scaling_factor, 0.5);
  for (const auto& p : model.load_vae(torch::kCPU, torch::kFloat32)->parameters())
    EXPECT_FALSE(torch::all(p == 0.25).item<bool>());
  for (const auto& entry : fs::directory_iterator(model.component_path(ModelComponent::Transformer)))
    EXPECT_TRUE(fs::equivalent(entry.path(), fs::path(copy.component_path(ModelComponent::Transformer)) /
                                                 entry.path().filename()));

  // viva.json replaced alone.
  VivaModelConfig config = model.config();
  config.sampling.steps = 7;
  model.write_with_config(dir.file("seven"), config);
  EXPECT_EQ(ModelFolder(dir.file("seven")).config().sampling.steps, 7);
  EXPECT_NE(model.config().sampling.steps, 7);
}

TEST(ModelFolder, ErrorsNameTheFolderAndTheMissingPiece) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  expect_error_containing([&] { ModelFolder(dir.file("nowhere")); }, {"nowhere", "does not exist"});
  fs::create_directories(dir.file("empty"));
  expect_error_containing([&] { ModelFolder(dir.file("empty")); }, {"empty", "no viva.json"});
  const ModelFolder model(testing::write_tiny_model(dir));
  fs::remove(model.component_path(ModelComponent::Vae) + "/config.json");
  expect_error_containing([&] { model.load_vae(torch::kCPU, torch::kFloat32); }, {"vae/config.json", "missing"});
}

}  // namespace
}  // namespace viva
