#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/data/toy_pairs.h"
#include "viva/models/clip/clip_checkpoint.h"
#include "viva/pipeline/viva_pipeline.h"
#include "viva/train/grpo_objective.h"
#include "viva/train/grpo_trainer.h"

namespace viva {
namespace {

using testing::TempDir;

// The objective for a hand-made group, against the formulas of grpo.md §2 written out in double.
TEST(GrpoObjective, LossAndGradientMatchADirectComputation) {
  const std::vector<double> rewards = {1.0, 2.0, 4.0, 1.0};
  const auto advantages = group_advantages(torch::tensor(rewards, torch::kFloat64), 0);
  double mean = 0, var = 0;
  for (double r : rewards) mean += r / 4;
  for (double r : rewards) var += (r - mean) * (r - mean) / 4;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(advantages[i].item<double>(), (rewards[i] - mean) / (std::sqrt(var) + 1e-4), 1e-6);
  EXPECT_NEAR(group_advantages(torch::tensor(rewards, torch::kFloat64), 1.0).max().item<double>(), 1.0, 1e-7);

  // Ratios inside and outside [1 − ε, 1 + ε], with advantages of both signs.
  const double eps = 0.1, beta = 0.5, s = 0.3;
  const std::vector<double> old_lp = {-1.0, -1.0, -1.0, -1.0};
  const std::vector<double> new_lp = {-1.0 + std::log(1.05), -1.0 + std::log(1.3), -1.0 + std::log(0.7), -1.0 + std::log(1.2)};
  const std::vector<double> adv = {1.0, 1.0, 1.0, -1.0};
  auto log_prob = torch::tensor(new_lp, torch::kFloat64).requires_grad_(true);
  torch::manual_seed(1);
  auto mu = torch::randn({4, 2, 3}, torch::kFloat64).requires_grad_(true);
  const auto mu_ref = torch::randn({4, 2, 3}, torch::kFloat64);
  const GrpoLoss loss = grpo_step_loss(log_prob, torch::tensor(old_lp, torch::kFloat64), torch::tensor(adv, torch::kFloat64),
                                       mu, mu_ref, s, eps, beta);
  loss.loss.backward();

  double policy = 0, kl = 0;
  std::vector<double> d_log_prob(4);
  for (int i = 0; i < 4; ++i) {
    const double r = std::exp(new_lp[i] - old_lp[i]);
    const double clipped = std::min(std::max(r, 1 - eps), 1 + eps);
    const bool unclipped_wins = r * adv[i] <= clipped * adv[i];
    policy += -std::min(r * adv[i], clipped * adv[i]) / 4;
    // d/dlogp of −min(...)/G: −r·A/G when the unclipped term is the minimum, else 0 (clip is flat).
    d_log_prob[i] = unclipped_wins ? -r * adv[i] / 4 : 0.0;
    kl += (mu[i] - mu_ref[i]).pow(2).mean().item<double>() / (2 * s * s) / 4;
  }
  EXPECT_NEAR(loss.policy_loss.item<double>(), policy, 1e-12);
  EXPECT_NEAR(loss.kl.item<double>(), kl, 1e-12);
  EXPECT_NEAR(loss.loss.item<double>(), policy + beta * kl, 1e-12);
  EXPECT_DOUBLE_EQ(loss.clip_fraction, 0.75);  // 1.3, 0.7 and 1.2 leave [0.9, 1.1]
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(log_prob.grad()[i].item<double>(), d_log_prob[i], 1e-12) << i;
  // d/dμ of β·mean_i mean_e (μ − μ_ref)² / (2 s²) = β (μ − μ_ref) / (s² · elements · G).
  const auto expected_mu_grad = beta * (mu.detach() - mu_ref) / (s * s * 6 * 4);
  EXPECT_TRUE(torch::allclose(mu.grad(), expected_mu_grad, 1e-12, 1e-14));
}

// A tiny model, one source clip at 32x32 and one frame: fast enough to train for dozens of steps.
struct GrpoRun {
  TempDir dir;
  std::string model, prompts, out;
  GrpoRun() {
    model = testing::write_tiny_model(dir);
    write_inversion_pairs(dir.file("pairs"), 2, 32, 1);
    prompts = dir.file("pairs/manifest.jsonl");
  }
  GrpoConfig config(int64_t steps, const std::string& run = "run") const {
    const nlohmann::json j = {
        {"model", model}, {"prompts", prompts}, {"out", dir.file(run)}, {"steps", steps},
        {"rewards", {{"weights", {{"instruction", 0.0}, {"preservation", 0.0}, {"pickscore", 0.0}, {"brightness", 1.0}}}}},
        {"lora", {{"rank", 4}, {"alpha", 4.0}}}, {"group_size", 8}, {"sampling_steps", 6}, {"eta", 1.0},
        {"guidance", 1.0}, {"width", 32}, {"height", 32}, {"frames", 1}, {"lr", 1e-2}, {"clip_range", 0.2},
        {"kl_weight", 0.01}, {"checkpoint_every", 5}, {"seed", 3}};
    std::ofstream(dir.file("grpo.json")) << j.dump();
    return GrpoConfig::read(dir.file("grpo.json"));
  }
};

std::vector<double> logged(const std::string& path, const std::string& key) {
  std::vector<double> v;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j["event"] == "step") v.push_back(j[key].get<double>());
  }
  return v;
}

// The run's first line: the start line with its figures.
nlohmann::json start_line(const std::string& out) {
  std::ifstream in(out + "/metrics.jsonl");
  std::string line;
  std::getline(in, line);
  return nlohmann::json::parse(line);
}

// The known-reward check of the trainer: brightness of the decoded edit must rise, the KL to the
// reference policy stay bounded, and the LoRA apply in the editing pipeline.
TEST(GrpoTrainer, RaisesAKnownRewardWithBoundedKl) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  GrpoRun run;
  const GrpoConfig config = run.config(30);
  const ProgressOptions quiet = ProgressOptions().set_mode(ProgressMode::Silent);
  TrainRunOptions options;
  options.progress = quiet;
  const TrainResult r = train_grpo(config, options);
  ASSERT_TRUE(r.finished);
  const auto reward = logged(config.out + "/metrics.jsonl", "reward");
  ASSERT_EQ(reward.size(), 30u);
  double head = 0, tail = 0;
  for (int i = 0; i < 5; ++i) head += reward[i] / 5, tail += reward[reward.size() - 1 - i] / 5;
  // Within a group the brightness varies by ~0.003 (std) at this size; the mean must climb well
  // beyond that (measured: 0.489 -> 0.500 over 30 steps).
  double spread = 0;
  for (double s : logged(config.out + "/metrics.jsonl", "reward_std")) spread += s / 30;
  EXPECT_GT(tail - head, std::max(0.005, 2 * spread)) << "brightness " << head << " -> " << tail << ", group std " << spread;
  for (double kl : logged(config.out + "/metrics.jsonl", "kl")) {
    EXPECT_TRUE(std::isfinite(kl));
    EXPECT_LT(kl, 1.0);  // measured peak 0.12
  }
  EXPECT_TRUE(std::filesystem::exists(config.out + "/reward.png"));

  // The LoRA loads into the pipeline (as viva edit --lora does) and changes the transformer.
  VivaPipeline pipeline(run.model, torch::kCPU, torch::kFloat32);
  const auto before = pipeline.transformer()->named_parameters()["double_blocks.0.img_attn_qkv.weight"].clone();
  pipeline.apply_lora(r.output);
  EXPECT_FALSE(torch::equal(pipeline.transformer()->named_parameters()["double_blocks.0.img_attn_qkv.weight"], before));
}

TEST(GrpoTrainer, ResumedRunEqualsUninterruptedRun) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  const ProgressOptions quiet = ProgressOptions().set_mode(ProgressMode::Silent);
  GrpoRun run;
  TrainRunOptions options;
  options.progress = quiet;
  const TrainResult a = train_grpo(run.config(4, "straight"), options);
  options.stop_after = 2;
  const TrainResult first_half = train_grpo(run.config(4, "interrupted"), options);
  EXPECT_FALSE(first_half.finished);
  options.stop_after = 0;
  options.resume = true;
  const TrainResult b = train_grpo(run.config(4, "interrupted"), options);
  ASSERT_TRUE(a.finished && b.finished);
  const Checkpoint la(a.output), lb(b.output);
  ASSERT_EQ(la.names(), lb.names());
  for (const auto& name : la.names()) EXPECT_TRUE(torch::equal(la.load(name), lb.load(name))) << name;
}

// The paper's rewards through the trainer, with tiny CLIPs standing in for CLIP-L and PickScore.
TEST(GrpoTrainer, RunsWithTheClipAndPickScoreRewards) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  GrpoRun run;
  for (const char* name : {"clip", "pickscore"}) {
    ClipModel clip(ClipOptions::tiny());
    write_clip_folder(clip, run.dir.file(name), testing::test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz");
  }
  GrpoConfig config = run.config(2);
  config.rewards.clip = run.dir.file("clip");
  config.rewards.pickscore = run.dir.file("pickscore");
  config.rewards.w_instruction = config.rewards.w_preservation = config.rewards.w_pickscore = 1.0;
  config.rewards.w_brightness = 0.0;
  TrainRunOptions options;
  options.progress = ProgressOptions().set_mode(ProgressMode::Silent);
  torch::NoGradGuard callers_mode;  // a trainer must train whatever grad mode its caller is in
  ASSERT_TRUE(train_grpo(config, options).finished);
  std::ifstream in(config.out + "/metrics.jsonl");
  std::string line;
  int steps = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j["event"] != "step") continue;
    ++steps;
    for (const char* key : {"reward_instruction", "reward_preservation", "reward_pickscore", "kl", "clip_fraction"})
      EXPECT_TRUE(j.contains(key) && std::isfinite(j[key].get<double>())) << key;
    EXPECT_FALSE(j.contains("reward_brightness"));
    EXPECT_GT(j["reward_preservation"].get<double>(), 0.0);  // cosine of an edit with its source
  }
  EXPECT_EQ(steps, 2);
}

// Only the prompts a run draws are encoded (a ShapesWorld prompt set has thousands).
TEST(GrpoTrainer, EncodesOnlyThePromptsItDraws) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  GrpoRun run;
  run.prompts = write_inversion_pairs(run.dir.file("many"), 12, 32, 1);
  GrpoConfig config = run.config(1);
  config.group_size = 2;
  config.sampling_steps = 2;
  TrainRunOptions options;
  options.progress = ProgressOptions().set_mode(ProgressMode::Silent);
  ASSERT_TRUE(train_grpo(config, options).finished);
  const auto start = start_line(config.out);
  EXPECT_EQ(start["event"], "start");
  EXPECT_EQ(start["prompts"].get<int>(), 12);
  EXPECT_EQ(start["encoded_prompts"].get<int>(), 1);
}

// PPO-style updates (Flow-GRPO): with one update per sampled group the policy that trains is
// the one that sampled, so the ratio is 1 and the clip never binds; with two, the second
// minibatch is scored by a policy one real AdamW update away, so the ratio departs from 1 and
// the clip binds for some members.
TEST(GrpoTrainer, SecondUpdatePerGroupMovesTheRatioAndTheClipBinds) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  GrpoRun run;
  TrainRunOptions options;
  options.progress = ProgressOptions().set_mode(ProgressMode::Silent);
  auto step_line = [](const std::string& out) {
    std::ifstream in(out + "/metrics.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line);
      if (j["event"] == "step") return j;
    }
    return nlohmann::json();
  };
  GrpoConfig once = run.config(1, "once");
  once.clip_range = 1e-6;
  ASSERT_TRUE(train_grpo(once, options).finished);
  const auto one = step_line(once.out);
  EXPECT_EQ(one["ratio_mean"].get<double>(), 1.0);
  EXPECT_EQ(one["clip_fraction"].get<double>(), 0.0);
  EXPECT_FALSE(one.contains("updates"));

  const int trained = one["trained_steps"].get<int>();  // ceil(0.6 x the stochastic steps)
  ASSERT_GE(trained, 2);

  GrpoConfig twice = run.config(1, "twice");
  twice.clip_range = 1e-6;
  twice.updates_per_group = 2;
  ASSERT_TRUE(train_grpo(twice, options).finished);
  const auto two = step_line(twice.out);
  EXPECT_EQ(two["updates"].get<int>(), 2);
  EXPECT_EQ(two["trained_steps"].get<int>(), trained);
  EXPECT_NE(two["ratio_mean"].get<double>(), 1.0);
  // The first minibatch (trained / 2 steps) never clips; the second's members leave [1 − ε, 1 + ε].
  EXPECT_GT(two["clip_fraction"].get<double>(), 0.0);
  EXPECT_LE(two["clip_fraction"].get<double>(), static_cast<double>(trained - trained / 2) / trained + 1e-9);

  // Activation checkpointing recomputes the frozen DiT's blocks; the LoRA trains the same.
  GrpoConfig recomputed = twice;
  recomputed.out = run.dir.file("recomputed");
  recomputed.activation_checkpointing = true;
  const TrainResult r = train_grpo(recomputed, options);
  ASSERT_TRUE(r.finished);
  const Checkpoint plain(twice.out + "/lora.safetensors"), checkpointed(r.output);
  ASSERT_EQ(plain.names(), checkpointed.names());
  for (const auto& name : plain.names())
    EXPECT_TRUE(torch::allclose(checkpointed.load(name), plain.load(name), 1e-5, 1e-7)) << name;

  twice.updates_per_group = trained + 1;  // more minibatches than trained steps
  twice.out = run.dir.file("too_many");
  testing::expect_error_containing([&] { train_grpo(twice, options); },
                                   {"updates_per_group " + std::to_string(trained + 1), std::to_string(trained) + " steps"});
}

// bf16 means autocast, on the CPU too. The frozen DiT's linear and convolution weights, which
// autocast computes in bf16 anyway, are held in bf16: about half its float32 bytes. The run
// trains, and its first group's reward is the float32 run's within bf16's rounding.
TEST(GrpoTrainer, Bf16HoldsTheFrozenDitInHalfItsBytes) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  GrpoRun run;
  TrainRunOptions options;
  options.progress = ProgressOptions().set_mode(ProgressMode::Silent);
  auto frozen_dit_bytes = [](const std::string& out) { return start_line(out).at("frozen_dit_bytes").get<double>(); };
  GrpoConfig float32 = run.config(2, "float32");
  float32.activation_checkpointing = true;
  ASSERT_TRUE(train_grpo(float32, options).finished);
  GrpoConfig bf16 = run.config(2, "bf16");
  bf16.dtype = "bf16";
  bf16.activation_checkpointing = true;
  ASSERT_TRUE(train_grpo(bf16, options).finished);

  const double ratio = frozen_dit_bytes(bf16.out) / frozen_dit_bytes(float32.out);
  EXPECT_GT(ratio, 0.5);
  EXPECT_LT(ratio, 0.52) << "the biases and norms stay float32";
  const auto reward = logged(bf16.out + "/metrics.jsonl", "reward");
  ASSERT_EQ(reward.size(), 2u);
  EXPECT_NEAR(reward[0], logged(float32.out + "/metrics.jsonl", "reward")[0], 1e-3);  // measured: 2e-5
  for (const std::string figure : {"kl", "grad_norm", "reward_std"})
    for (double v : logged(bf16.out + "/metrics.jsonl", figure)) EXPECT_TRUE(std::isfinite(v)) << figure;
  EXPECT_GT(logged(bf16.out + "/metrics.jsonl", "grad_norm")[0], 0.0);
  Checkpoint lora(bf16.out + "/lora.safetensors");
  for (const auto& name : lora.names()) EXPECT_EQ(lora.load(name).scalar_type(), torch::kFloat32) << name;

  // Checkpointing recomputes the blocks under the forward's autocast: the LoRA trains as without
  // it (measured: bit for bit; recomputed outside autocast, the bf16 frozen weights would refuse
  // the float32 activations).
  GrpoConfig plain = run.config(2, "bf16_plain");
  plain.dtype = "bf16";
  ASSERT_TRUE(train_grpo(plain, options).finished);
  const auto norms = logged(bf16.out + "/metrics.jsonl", "grad_norm");
  const auto plain_norms = logged(plain.out + "/metrics.jsonl", "grad_norm");
  ASSERT_EQ(norms.size(), plain_norms.size());
  for (std::size_t i = 0; i < norms.size(); ++i) EXPECT_NEAR(norms[i], plain_norms[i], 1e-5 * plain_norms[i]) << i;
  const Checkpoint without(plain.out + "/lora.safetensors");
  for (const auto& name : lora.names())
    EXPECT_TRUE(torch::allclose(lora.load(name), without.load(name), 1e-5, 1e-8)) << name;
}

TEST(GrpoConfig, RejectsBadValues) {
  TempDir dir;
  auto read = [&](nlohmann::json j) {
    j.merge_patch({{"model", "m"}, {"prompts", "p.jsonl"}, {"out", "o"}});
    std::ofstream(dir.file("c.json")) << j.dump();
    return GrpoConfig::read(dir.file("c.json"));
  };
  const nlohmann::json brightness = {{"weights", {{"instruction", 0}, {"preservation", 0}, {"pickscore", 0}, {"brightness", 1}}}};
  EXPECT_NO_THROW(read({{"rewards", brightness}}));
  testing::expect_error_containing([&] { read({}); }, {"rewards"});
  testing::expect_error_containing([&] { read({{"rewards", nlohmann::json::object()}}); }, {"CLIP folder"});
  testing::expect_error_containing([&] { read({{"rewards", brightness}, {"group_size", 1}}); }, {"group_size"});
  testing::expect_error_containing([&] { read({{"rewards", brightness}, {"sampler", "ddim"}}); }, {"sampler"});
  testing::expect_error_containing([&] { read({{"rewards", brightness}, {"clip_rnge", 1}}); }, {"clip_rnge"});
  testing::expect_error_containing([&] { read({{"rewards", brightness}, {"updates_per_group", 0}}); }, {"updates_per_group"});
  testing::expect_error_containing([&] { read({{"rewards", brightness}, {"dtype", "fp16"}}); }, {"dtype"});
  testing::expect_error_containing([&] { read({{"rewards", brightness}, {"sequence_parallel", 0}}); }, {"sequence_parallel"});
  testing::expect_error_containing([&] { read({{"rewards", brightness}, {"sharding", "zero2"}}); }, {"sharding"});
  testing::expect_error_containing([&] { read({{"rewards", brightness}, {"sharding", "full"}}); },
                                   {"activation_checkpointing"});
}

}  // namespace
}  // namespace viva
