// The optimisation keys every trainer config shares: one schedule, one reader, one set of checks.
#include <gtest/gtest.h>

#include <fstream>

#include "../support/temp_dir.h"
#include "viva/core/config.h"
#include "viva/train/clip_trainer.h"
#include "viva/train/grpo_config.h"
#include "viva/train/sft_config.h"
#include "viva/train/vae_trainer.h"
#include "viva/train/vlm_trainer.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

TEST(TrainingOptions, WarmsUpLinearlyThenHoldsOrDecaysToFivePercent) {
  TrainingOptions o;
  o.lr = 1.0;
  o.warmup = 4;
  o.steps = 104;
  EXPECT_DOUBLE_EQ(o.learning_rate(0), 0.25);
  EXPECT_DOUBLE_EQ(o.learning_rate(3), 1.0);
  EXPECT_DOUBLE_EQ(o.learning_rate(50), 1.0);
  o.cosine = true;
  EXPECT_DOUBLE_EQ(o.learning_rate(4), 1.0);
  EXPECT_NEAR(o.learning_rate(54), 0.525, 1e-12);  // halfway: 0.05 + 0.95 / 2
  EXPECT_NEAR(o.learning_rate(104), 0.05, 1e-12);
  o.grad_clip = 0;
  EXPECT_TRUE(std::isinf(o.max_grad_norm()));
}

template <class Config>
Config read_config(const TempDir& dir, const nlohmann::json& json) {
  std::ofstream(dir.file("c.json")) << json.dump();
  return Config::read(dir.file("c.json"));
}

template <class Config>
void check_shared_keys(const nlohmann::json& required, int64_t min_steps) {
  TempDir dir;
  nlohmann::json json = required;
  json.update({{"steps", 7}, {"max_minutes", 1.5}, {"lr", 0.25}, {"weight_decay", 0.5}, {"warmup", 2}, {"cosine", true}, {"grad_clip", 3.0},
               {"checkpoint_every", 5}, {"keep_checkpoints", 4}, {"seed", 9}, {"device", "cuda:1"}});
  const Config c = read_config<Config>(dir, json);
  EXPECT_EQ(c.steps, 7);
  EXPECT_EQ(c.max_minutes, 1.5);
  EXPECT_EQ(c.lr, 0.25);
  EXPECT_EQ(c.weight_decay, 0.5);
  EXPECT_EQ(c.warmup, 2);
  EXPECT_TRUE(c.cosine);
  EXPECT_EQ(c.grad_clip, 3.0);
  EXPECT_EQ(c.checkpoint_every, 5);
  EXPECT_EQ(c.keep_checkpoints, 4);
  EXPECT_EQ(c.seed, 9u);
  EXPECT_EQ(c.device, "cuda:1");
  // What a run records reads back as the same config.
  EXPECT_EQ(read_config<Config>(dir, c.to_json()).to_json(), c.to_json());

  json["steps"] = min_steps - 1;
  expect_error_containing([&] { read_config<Config>(dir, json); }, {"c.json", "steps must be >= " + std::to_string(min_steps)});
  json["steps"] = 7;
  json["lr"] = 0;
  expect_error_containing([&] { read_config<Config>(dir, json); }, {"c.json", "lr must be positive"});
  json["lr"] = 0.25;
  json["max_minutes"] = -1;
  expect_error_containing([&] { read_config<Config>(dir, json); }, {"c.json", "max_minutes must be >= 0"});
  json["max_minutes"] = 0;
  json["keep_checkpoints"] = 0;
  expect_error_containing([&] { read_config<Config>(dir, json); }, {"c.json", "keep_checkpoints must be positive"});
}

TEST(TrainingOptions, EveryTrainerConfigReadsWritesAndChecksThem) {
  check_shared_keys<SftConfig>({{"model", "m"}, {"cache", "c"}, {"out", "o"}}, 1);
  check_shared_keys<VaeTrainConfig>({{"model", "m"}, {"manifest", "d"}, {"out", "o"}}, 0);
  check_shared_keys<VlmTrainConfig>({{"model", "m"}, {"manifest", "d"}, {"out", "o"}}, 1);
  check_shared_keys<ClipTrainConfig>({{"manifest", "d"}, {"out", "o"}, {"merges", "bpe.txt.gz"}}, 1);
  check_shared_keys<GrpoConfig>({{"model", "m"}, {"prompts", "p"}, {"out", "o"}, {"rewards", {{"clip", "c"}, {"pickscore", "p"}}}}, 1);
}

TEST(TrainingOptions, EachTrainerKeepsItsOwnDefaults) {
  EXPECT_EQ(SftConfig().lr, 2e-5);
  EXPECT_FALSE(SftConfig().cosine);
  EXPECT_EQ(GrpoConfig().checkpoint_every, 10);
  EXPECT_EQ(ClipTrainConfig().weight_decay, 0.1);
  EXPECT_TRUE(VaeTrainConfig().cosine);
  EXPECT_EQ(VlmTrainConfig().warmup, 50);
}

TEST(TrainerConfigs, TheModelsDefaultIsEmptyAndZeroIsAValueOfItsOwn) {
  TempDir dir;
  const nlohmann::json paths = {
      {"model", "m"}, {"prompts", "p"}, {"out", "o"}, {"rewards", {{"clip", "c"}, {"pickscore", "p"}}}};
  const GrpoConfig unset = read_config<GrpoConfig>(dir, paths);
  EXPECT_FALSE(unset.guidance || unset.shift || unset.width || unset.height || unset.frames);
  nlohmann::json json = paths;
  json.update({{"guidance", 0}, {"width", 32}});
  const GrpoConfig zero = read_config<GrpoConfig>(dir, json);
  ASSERT_TRUE(zero.guidance && zero.width);
  EXPECT_EQ(*zero.guidance, 0.0);  // sampling without the instruction, not "the model's"
  EXPECT_EQ(*zero.width, 32);
  EXPECT_EQ(read_config<GrpoConfig>(dir, zero.to_json()).to_json(), zero.to_json());
  json["guidance"] = nullptr;
  EXPECT_FALSE(read_config<GrpoConfig>(dir, json).guidance);
  json["shift"] = 0;
  expect_error_containing([&] { read_config<GrpoConfig>(dir, json); }, {"c.json", "shift positive"});
  const nlohmann::json sft = {{"model", "m"}, {"cache", "c"}, {"out", "o"}};
  EXPECT_FALSE(read_config<SftConfig>(dir, sft).shift);
  nlohmann::json with_shift = sft;
  with_shift["shift"] = 3.0;
  EXPECT_EQ(read_config<SftConfig>(dir, with_shift).shift.value_or(0), 3.0);
}

TEST(TrainerConfigs, PathsSetByTheCallerAreNeitherRequiredNorAccepted) {
  const VaeTrainConfig vae = VaeTrainConfig::from_json({{"steps", 3}}, "plan", ConfigPaths::SetByCaller);
  EXPECT_EQ(vae.steps, 3);
  EXPECT_TRUE(vae.model.empty() && vae.manifest.empty() && vae.out.empty());
  expect_error_containing([] { VaeTrainConfig::from_json({{"model", "m"}}, "plan", ConfigPaths::SetByCaller); },
                          {"plan", "'model'"});
  expect_error_containing([] { VaeTrainConfig::from_json({{"steps", 3}}, "vae.json"); },
                          {"vae.json", "missing required key 'model'"});
  // The reward weights are the plan's, the reward models' folders the caller's.
  const GrpoConfig grpo = GrpoConfig::from_json({{"rewards", {{"weights", {{"pickscore", 0.5}}}}}}, "plan",
                                                ConfigPaths::SetByCaller);
  EXPECT_EQ(grpo.rewards.w_pickscore, 0.5);
  expect_error_containing(
      [] { GrpoConfig::from_json({{"rewards", {{"clip", "c"}}}}, "plan", ConfigPaths::SetByCaller); }, {"plan", "'rewards.clip'"});
  EXPECT_TRUE(ClipTrainConfig::from_json(nlohmann::json::object(), "plan", ConfigPaths::SetByCaller).merges.empty());
}

}  // namespace
}  // namespace viva
