#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "../support/encoded_pairs.h"
#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/train/sft_trainer.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

class Sft : public testing::EncodedPairsTest {
 protected:
  SftConfig config(const std::string& out) const {
    SftConfig c;
    c.model = model_;
    c.cache = dir_->file("cache");
    c.out = out;
    c.steps = 6;
    c.lr = 1e-3;
    c.batch_size = 2;
    c.grad_accum = 2;
    c.warmup = 2;
    c.ema = 0.9;
    c.checkpoint_every = 2;
    return c;
  }
};

// Eq. 3 computed element by element: each latent element's squared error, weighted 1 + w_m
// where the hand-made mask marks the edit (the same mask for every channel), averaged.
TEST(MaskedFlowLoss, WeighsTheEditedRegionAsEquationThree) {
  torch::manual_seed(11);
  const int64_t B = 2, C = 3, T = 2, H = 3, W = 4;
  const auto v = torch::randn({B, C, T, H, W}, torch::kFloat64), noise = torch::randn({B, C, T, H, W}, torch::kFloat64),
             x0 = torch::randn({B, C, T, H, W}, torch::kFloat64);
  auto mask = torch::zeros({B, 1, T, H, W}, torch::kFloat64);
  mask.index_put_({0, 0, 1, torch::indexing::Slice(0, 2), torch::indexing::Slice(1, 3)}, 1.0);  // a box in sample 0
  mask.index_put_({1, 0, 0, 2, 3}, 1.0);                                                          // one element in sample 1
  const auto a = v.accessor<double, 5>(), n = noise.accessor<double, 5>(), x = x0.accessor<double, 5>();
  const auto m = mask.accessor<double, 5>();
  for (const double w_m : {0.0, 1.0, 5.0}) {
    double sum = 0, inside = 0;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t t = 0; t < T; ++t)
          for (int64_t h = 0; h < H; ++h)
            for (int64_t w = 0; w < W; ++w) {
              const double error = a[b][c][t][h][w] - (n[b][c][t][h][w] - x[b][c][t][h][w]);
              sum += (m[b][0][t][h][w] > 0 ? 1.0 + w_m : 1.0) * error * error;
              inside += m[b][0][t][h][w];
            }
    EXPECT_EQ(inside, C * (4 + 1));
    EXPECT_NEAR(masked_flow_loss(v, noise, x0, mask, w_m).item<double>(), sum / (B * C * T * H * W), 1e-12) << w_m;
  }
  // The weight matters: with w_m = 5 the loss rises above the unweighted one.
  EXPECT_GT(masked_flow_loss(v, noise, x0, mask, 5.0).item<double>(), masked_flow_loss(v, noise, x0, mask, 0.0).item<double>());
}

TEST_F(Sft, ResumedRunEqualsUninterruptedRun) {
  TempDir runs;
  const TrainResult whole = train_sft(config(runs.file("whole")), TrainRunOptions{});
  ASSERT_TRUE(whole.finished);
  TrainRunOptions first;
  first.stop_after = 3;  // stops mid-interval: a checkpoint is written at step 3
  const TrainResult part = train_sft(config(runs.file("split")), first);
  EXPECT_FALSE(part.finished);
  EXPECT_EQ(part.end_step, 3);
  expect_error_containing([&] { train_sft(config(runs.file("split")), TrainRunOptions{}); }, {"--resume"});
  TrainRunOptions resume;
  resume.resume = true;
  const TrainResult rest = train_sft(config(runs.file("split")), resume);
  ASSERT_TRUE(rest.finished);
  EXPECT_EQ(rest.start_step, 3);

  const Checkpoint a(runs.file("whole/model/transformer/diffusion_pytorch_model.safetensors"));
  const Checkpoint b(runs.file("split/model/transformer/diffusion_pytorch_model.safetensors"));
  ASSERT_EQ(a.names(), b.names());
  for (const auto& name : a.names()) EXPECT_TRUE(torch::equal(a.load(name), b.load(name))) << name;
  EXPECT_TRUE(std::filesystem::exists(runs.file("split/loss.png")));
  // Only the newest checkpoints are kept.
  int kept = 0;
  for (const auto& e : std::filesystem::directory_iterator(runs.file("split/checkpoints"))) kept += e.is_directory();
  EXPECT_EQ(kept, 2);
}

TEST_F(Sft, ASpentTimeBudgetFinishesTheRunWithItsModel) {
  TempDir runs;
  SftConfig c = config(runs.file("timed"));
  c.max_minutes = 1e-9;  // spent by the end of the first step
  const TrainResult r = train_sft(c, TrainRunOptions{});
  ASSERT_TRUE(r.finished);
  EXPECT_EQ(r.end_step, 1);
  EXPECT_TRUE(std::filesystem::exists(runs.file("timed/model/transformer/diffusion_pytorch_model.safetensors")));
  const nlohmann::json state = load_json_file(runs.file("timed/checkpoints/step-00000001/state.json"));
  EXPECT_GT(state.at("elapsed_s").get<double>(), 0);
}

TEST_F(Sft, LossFallsWhenOverfittingAFewPairs) {
  TempDir runs;
  SftConfig c = config(runs.file("fit"));
  c.steps = 80;
  c.lr = 2e-3;
  c.ema = 0;
  c.warmup = 5;
  c.instruction_dropout = 0;
  c.checkpoint_every = 1000;
  const TrainResult r = train_sft(c, TrainRunOptions{});
  ASSERT_TRUE(r.finished);
  // Average the logged losses over the first and last ten steps (σ varies per step).
  std::ifstream in(runs.file("fit/metrics.jsonl"));
  std::vector<double> losses;
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j["event"] == "step") losses.push_back(j["loss"].get<double>());
  }
  ASSERT_EQ(losses.size(), 80u);
  double early = 0, late = 0;
  for (int i = 0; i < 10; ++i) early += losses[static_cast<std::size_t>(i)], late += losses[losses.size() - 1 - static_cast<std::size_t>(i)];
  EXPECT_LT(late, early / 3) << "early " << early / 10 << " late " << late / 10;
}

// bf16 means autocast, on the CPU too: master weights, optimizer and loss stay float32, and each
// step's loss (the same draws) is float32's within bf16's rounding, with activation checkpointing
// recomputing the blocks under the same autocast.
TEST_F(Sft, Bf16AutocastTrainsAsFloat32DoesWithinItsRounding) {
  TempDir runs;
  std::vector<double> losses[2];
  for (const bool bf16 : {false, true}) {
    SftConfig c = config(runs.file(bf16 ? "bf16" : "float32"));
    c.dtype = bf16 ? "bf16" : "fp32";
    c.activation_checkpointing = true;
    ASSERT_TRUE(train_sft(c, TrainRunOptions{}).finished);
    std::ifstream in(c.out + "/metrics.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line);
      if (j["event"] == "step") losses[bf16].push_back(j["loss"].get<double>());
    }
  }
  ASSERT_EQ(losses[0].size(), 6u);
  ASSERT_EQ(losses[1].size(), 6u);
  for (std::size_t i = 0; i < 6; ++i)  // measured: 4e-4 relative at most
    EXPECT_NEAR(losses[1][i], losses[0][i], 5e-3 * losses[0][i]) << "step " << i + 1;
  EXPECT_NE(losses[1], losses[0]);  // autocast was on
  const Checkpoint model(runs.file("bf16/model/transformer/diffusion_pytorch_model.safetensors"));
  EXPECT_EQ(model.load(model.names().front()).scalar_type(), torch::kFloat32);
}

TEST_F(Sft, ConfigErrorsNameTheKeyAndTheFile) {
  TempDir dir;
  std::ofstream(dir.file("run.json")) << R"({"model": "m", "cache": "c", "out": "o", "learning_rate": 1})";
  expect_error_containing([&] { SftConfig::read(dir.file("run.json")); }, {"run.json", "learning_rate"});
  std::ofstream(dir.file("run2.json")) << R"({"model": "m", "cache": "c", "out": "o", "steps": 0})";
  expect_error_containing([&] { SftConfig::read(dir.file("run2.json")); }, {"run2.json", "steps must be >= 1"});
  std::ofstream(dir.file("run3.json")) << R"({"model": "m", "cache": "c", "out": "o", "high_noise_fraction": 1.5})";
  expect_error_containing([&] { SftConfig::read(dir.file("run3.json")); }, {"run3.json", "high_noise_fraction"});
  // The keys for scale, shared with Edit-GRPO.
  const std::vector<std::pair<std::string, std::string>> scale = {
      {R"("dtype": "fp16")", "dtype must be"},
      {R"("sharding": "zero2")", "sharding must be"},
      {R"("sharding": "full")", "needs activation_checkpointing"},
      {R"("sharding": "full", "activation_checkpointing": true, "ema": 0.9)", "needs no ema"},
      {R"("sequence_parallel": 0)", "sequence_parallel must be at least 1"}};
  for (const auto& [keys, error] : scale) {
    std::ofstream(dir.file("scale.json")) << R"({"model": "m", "cache": "c", "out": "o", )" + keys + "}";
    expect_error_containing([&] { SftConfig::read(dir.file("scale.json")); }, {"scale.json", error});
  }
}

}  // namespace
}  // namespace viva
