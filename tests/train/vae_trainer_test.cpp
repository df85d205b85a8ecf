#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../support/encoded_pairs.h"
#include "../support/quiet_run.h"
#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/train/vae_trainer.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

class VaeTrainer : public testing::EncodedPairsTest {};

TEST_F(VaeTrainer, ResumesExactlyAndRefitsTheScalingFactor) {
  TempDir runs;
  auto config = [&](const std::string& out) {
    VaeTrainConfig c;
    c.model = model_;
    c.manifest = dir_->file("pairs/manifest.jsonl");
    c.out = runs.file(out);
    c.steps = 4;
    c.crop = 16;
    c.checkpoint_every = 100;
    return c;
  };
  const TrainResult whole = train_vae(config("whole"), testing::quiet_run());
  ASSERT_TRUE(whole.finished);
  EXPECT_FALSE(train_vae(config("split"), testing::quiet_run(false, 2)).finished);
  const TrainResult rest = train_vae(config("split"), testing::quiet_run(true));
  ASSERT_TRUE(rest.finished);
  EXPECT_EQ(rest.start_step, 2);
  const Checkpoint a(runs.file("whole/model/vae/diffusion_pytorch_model.safetensors"));
  const Checkpoint b(runs.file("split/model/vae/diffusion_pytorch_model.safetensors"));
  for (const auto& name : a.names()) EXPECT_TRUE(torch::equal(a.load(name), b.load(name))) << name;
  const auto vae_config = load_json_file(runs.file("whole/model/vae/config.json"));
  EXPECT_NEAR(vae_config["scaling_factor"].get<double>(), whole.reported("scaling_factor"), 1e-9);
  EXPECT_GT(whole.reported("scaling_factor"), 0);
  // A fresh VAE of another size replaces the model's in the output folder.
  VaeTrainConfig fresh = config("fresh");
  fresh.steps = 1;
  fresh.reconstruction = "l1";
  fresh.architecture = {{"block_out_channels", {8, 16, 16}}, {"layers_per_block", 1}, {"latent_channels", 4},
                        {"norm_num_groups", 8}, {"spatial_compression_ratio", 4}, {"temporal_compression_ratio", 4}};
  const TrainResult small = train_vae(fresh, testing::quiet_run());
  EXPECT_EQ(load_json_file(runs.file("fresh/model/vae/config.json"))["block_out_channels"],
            nlohmann::json({8, 16, 16}));
  EXPECT_NO_THROW(VivaPipeline(small.output, torch::kCPU, torch::kFloat32));
  // Trained weights from elsewhere (a GPU run): 0 steps measures them and keeps them as they are.
  VaeTrainConfig imported = config("imported");
  imported.steps = 0;
  imported.weights = runs.file("fresh/model/vae");
  const TrainResult measured = train_vae(imported, testing::quiet_run());
  ASSERT_TRUE(measured.finished);
  EXPECT_NEAR(measured.reported("psnr_db"), small.reported("psnr_db"), 1e-6);
  const Checkpoint f(runs.file("fresh/model/vae/diffusion_pytorch_model.safetensors"));
  const Checkpoint g(runs.file("imported/model/vae/diffusion_pytorch_model.safetensors"));
  for (const auto& name : f.names()) EXPECT_TRUE(torch::equal(f.load(name), g.load(name))) << name;
  // Decoder only: the encoder and the scaling factor stay, so the latents a DiT learnt do too.
  VaeTrainConfig decoder = config("decoder");
  decoder.steps = 2;
  decoder.lr = 1e-2;
  decoder.decoder_only = true;
  decoder.weights = runs.file("whole/model/vae");
  const TrainResult decoded = train_vae(decoder, testing::quiet_run());
  ASSERT_TRUE(decoded.finished);
  EXPECT_EQ(decoded.reported("scaling_factor"), whole.reported("scaling_factor"));
  EXPECT_EQ(load_json_file(runs.file("decoder/model/vae/config.json"))["scaling_factor"].get<double>(),
            whole.reported("scaling_factor"));
  const Checkpoint d(runs.file("decoder/model/vae/diffusion_pytorch_model.safetensors"));
  int changed = 0;
  for (const auto& name : a.names()) {
    const bool same = torch::equal(a.load(name), d.load(name));
    if (name.rfind("encoder.", 0) == 0 || name.rfind("quant_conv.", 0) == 0) EXPECT_TRUE(same) << name;
    else changed += same ? 0 : 1;
  }
  EXPECT_GT(changed, 0);
  std::ofstream(runs.file("fresh_decoder.json")) << R"({"model": "m", "manifest": "x.jsonl", "out": "o",
                                               "decoder_only": true, "architecture": {"latent_channels": 4}})";
  expect_error_containing([&] { VaeTrainConfig::read(runs.file("fresh_decoder.json")); },
                          {"fresh_decoder.json", "decoder_only"});
  std::ofstream(runs.file("both.json")) << R"({"model": "m", "manifest": "x.jsonl", "out": "o", "weights": "w",
                                               "architecture": {"latent_channels": 4}})";
  expect_error_containing([&] { VaeTrainConfig::read(runs.file("both.json")); }, {"both.json", "not both"});
  std::ofstream(runs.file("vae.json")) << R"({"model": "m", "manifest": "x.jsonl", "out": "o", "reconstruction": "l2"})";
  expect_error_containing([&] { VaeTrainConfig::read(runs.file("vae.json")); }, {"vae.json", "reconstruction", "l2"});
  // The trained model folder edits (it shares every other component with the base).
  VivaPipeline pipeline(whole.output, torch::kCPU, torch::kFloat32);
  EXPECT_EQ(pipeline.vae()->options.scaling_factor, whole.reported("scaling_factor"));
}

}  // namespace
}  // namespace viva
