// Data-parallel training over c10d's Gloo on loopback: `viva launch --nproc W -- train sft` with
// accumulation 1, stopped and resumed once, trains the same weights as one process with
// accumulation W (the same global batch: micro-batch slot k draws the same samples in both),
// within float rounding, its gradient buckets reduced as backward produces them; so do fully
// sharded and sequence-parallel ranks; a killed rank stops the job, which resumes from its last
// checkpoint; torchrun starts what viva launch starts; Edit-GRPO spreads each group over the
// ranks, and sequence-parallel GRPO trains what one process (or plain data parallelism) trains;
// a sequence-parallel edit writes what one process writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../support/cli_run.h"
#include "../support/encoded_pairs.h"
#include "../support/grey_frames.h"
#include "viva/core/atomic_file.h"
#include "viva/core/checkpoint.h"
#include "viva/core/distributed.h"
#include "viva/core/jsonl_log.h"
#include "viva/data/toy_pairs.h"
#include "viva/io/video_reader.h"

namespace viva {
namespace {

using testing::CliRun;
using testing::run_viva;

class DataParallelSft : public testing::EncodedPairsTest {
 protected:
  std::string config(const testing::TempDir& dir, const std::string& name, int64_t grad_accum,
                     const nlohmann::json& extra = nlohmann::json::object()) const {
    nlohmann::json c = {{"model", model_},       {"cache", dir_->file("cache")}, {"out", dir.file(name)},
                        {"steps", 5},            {"lr", 1e-3},                   {"batch_size", 1},
                        {"grad_accum", grad_accum}, {"warmup", 1},               {"checkpoint_every", 2},
                        {"seed", 3}};
    c.update(extra);
    const std::string path = dir.file(name + ".json");
    write_file_atomically(path, c.dump());
    return path;
  }
};

// The largest relative difference between two trained transformers' tensors (same names).
double worst_relative_difference(const std::string& trained, const std::string& expected) {
  const Checkpoint a(trained), b(expected);
  EXPECT_EQ(a.names(), b.names());
  double worst = 0;
  for (const auto& name : b.names()) {
    const torch::Tensor x = a.load(name), y = b.load(name);
    worst = std::max(worst, ((x - y).norm() / y.norm().clamp_min(1e-12)).item<double>());
  }
  return worst;
}

// The run in `ranks` trained what the one in `single` trained: the same transformer within 1e-5
// relative, and step lines with the same mean losses (they hold every rank's micro-batches) and
// the same gradient norms (AdamW would hide a gradient off by a constant factor).
void expect_same_training(const testing::TempDir& dir, const std::string& ranks, const std::string& single,
                          const std::string& what) {
  const std::string weights = "/model/transformer/diffusion_pytorch_model.safetensors";
  EXPECT_LT(worst_relative_difference(dir.file(ranks + weights), dir.file(single + weights)), 1e-5) << what;
  for (const std::string figure : {"loss", "grad_norm"}) {
    const auto expected = logged_step_series(dir.file(single + "/metrics.jsonl"), figure);
    const auto got = logged_step_series(dir.file(ranks + "/metrics.jsonl"), figure);
    ASSERT_EQ(expected.size(), got.size()) << what << ", " << figure;
    for (std::size_t i = 0; i < expected.size(); ++i)
      EXPECT_NEAR(got[i], expected[i], 1e-5 * expected[i]) << what << ", " << figure << " of step " << i + 1;
  }
}

TEST_F(DataParallelSft, RanksTrainWhatOneProcessTrainsWithTheSameGlobalBatch) {
  for (const int world : {2, 3}) {
    testing::TempDir dir;
    const CliRun single = run_viva(dir, "train sft --config " + config(dir, "single", world));
    ASSERT_EQ(single.status, 0) << single.err;
    // Small buckets: many all-reduces, each started during backward.
    const std::string launch = "launch --nproc " + std::to_string(world) + " -- train sft --config " +
                               config(dir, "ranks", 1, {{"reduce_bucket_mb", 0.02}});
    const CliRun first = run_viva(dir, launch + " --stop-after 2");  // every rank resumes mid-run
    ASSERT_EQ(first.status, 0) << first.err;
    EXPECT_NE(first.out.find("stopped at step 2"), std::string::npos) << first.out;
    const CliRun ranks = run_viva(dir, launch + " --resume");
    ASSERT_EQ(ranks.status, 0) << ranks.err;
    EXPECT_NE(ranks.out.find("trained steps 2..5"), std::string::npos) << ranks.out;  // rank 0 reports once

    expect_same_training(dir, "ranks", "single", "world " + std::to_string(world));
    const auto shares = logged_step_series(dir.file("ranks/metrics.jsonl"), "reduced_in_backward");
    EXPECT_EQ(shares.size(), 5u);
    for (const double share : shares) EXPECT_EQ(share, 1.0);  // every bucket started before backward ended
  }
}

// Fully sharded (each rank keeps 1/W of every unit's weights, gradients and AdamW state, the
// checkpoints one part per rank): W = 2 and 3 ranks train what one unsharded process trains with
// W-fold accumulation, also when stopped and resumed with as many ranks, resumed by one process
// (the parts reassembled and cut anew) and back on W ranks; each rank holds about 1/W of the
// state; `viva model consolidate` turns the last checkpoint into the model folder training wrote.
TEST_F(DataParallelSft, FullyShardedRanksTrainWhatOneProcessTrains) {
  const nlohmann::json checkpointing = {{"activation_checkpointing", true}};
  const nlohmann::json sharded = {{"activation_checkpointing", true}, {"sharding", "full"}};
  for (const int world : {2, 3}) {
    testing::TempDir dir;
    const CliRun single = run_viva(dir, "train sft --config " + config(dir, "single", world, checkpointing));
    ASSERT_EQ(single.status, 0) << single.err;
    const std::string on_ranks = "launch --nproc " + std::to_string(world) + " -- train sft --config " +
                                 config(dir, "ranks", 1, sharded);
    const CliRun first = run_viva(dir, on_ranks + " --stop-after 2");
    ASSERT_EQ(first.status, 0) << first.err;
    EXPECT_TRUE(std::filesystem::exists(dir.file("ranks/checkpoints/step-00000002/rank-00001-of-0000" +
                                                 std::to_string(world) + "/weights.safetensors")));
    const CliRun same = run_viva(dir, on_ranks + " --resume --stop-after 1");
    ASSERT_EQ(same.status, 0) << same.err;
    // One process, the same global batch (accumulation W), out of W parts.
    nlohmann::json one = nlohmann::json::parse(read_file(dir.file("ranks.json")));
    one["grad_accum"] = world;
    write_file_atomically(dir.file("one.json"), one.dump());
    const CliRun alone = run_viva(dir, "train sft --config " + dir.file("one.json") + " --resume --stop-after 1");
    ASSERT_EQ(alone.status, 0) << alone.err;
    EXPECT_TRUE(std::filesystem::exists(dir.file("ranks/checkpoints/step-00000004/rank-00000-of-00001")));
    const CliRun ranks = run_viva(dir, on_ranks + " --resume");
    ASSERT_EQ(ranks.status, 0) << ranks.err;
    EXPECT_NE(ranks.out.find("trained steps 4..5"), std::string::npos) << ranks.out;

    const std::string weights = "transformer/diffusion_pytorch_model.safetensors";
    EXPECT_LT(worst_relative_difference(dir.file("ranks/model/" + weights), dir.file("single/model/" + weights)), 1e-5)
        << "world " << world;

    const auto state_bytes = [&](const std::string& run) {
      std::ifstream log(dir.file(run + "/metrics.jsonl"));
      std::string text;
      double bytes = 0;
      while (std::getline(log, text)) {
        const auto line = nlohmann::json::parse(text);
        if (line["event"] == "finished") bytes = line["state_bytes"].get<double>();
      }
      return bytes;
    };
    EXPECT_LE(state_bytes("ranks"), state_bytes("single") / world * 1.1) << "world " << world;

    const CliRun consolidated = run_viva(dir, "model consolidate " + dir.file("ranks") + " --out " + dir.file("whole"));
    ASSERT_EQ(consolidated.status, 0) << consolidated.err;
    EXPECT_NE(consolidated.out.find(std::to_string(world) + " parts"), std::string::npos) << consolidated.out;
    EXPECT_EQ(worst_relative_difference(dir.file("whole/" + weights), dir.file("ranks/model/" + weights)), 0.0);
  }
  testing::TempDir dir;
  const CliRun not_a_checkpoint = run_viva(dir, "model consolidate " + dir.path().string() + " --out " + dir.file("x"));
  testing::expect_one_line_error(not_a_checkpoint, "is not a training checkpoint");
}

// A rank killed mid-run (SIGKILL: no checkpoint of its own) makes launch stop the other within
// the grace period with one line naming it; the restarted job resumes from the last checkpoint
// written before the kill.
// In bf16 (autocast, here on the CPU) sharded ranks gather their float32 blocks as they run and
// again when recomputed, under the forward's autocast: they train what ranks holding the model
// whole train, with two micro-batches a step (the embedders' unit, gathered for the whole step,
// holds their gradients in float32: summed in bf16 they gave weights 6.2e-3 apart). Gradient
// clipping is off: sharded ranks sum the squared gradient norm in another order, and the clip
// coefficient's 1e-8 difference, hidden by bf16 for a few steps, becomes a whole bf16 step of
// some weight once its float32 master crosses a rounding boundary (measured with clipping:
// losses equal for 4 steps, then 1.3e-4 apart). Unclipped, they stay equal.
TEST_F(DataParallelSft, Bf16ShardedRanksTrainWhatWholeRanksTrain) {
  testing::TempDir dir;
  const nlohmann::json whole = {{"dtype", "bf16"}, {"activation_checkpointing", true}, {"grad_clip", 0}};
  nlohmann::json sharded = whole;
  sharded["sharding"] = "full";
  for (const auto& [name, extra] : {std::pair{"whole", whole}, std::pair{"sharded", sharded}}) {
    const CliRun run = run_viva(dir, std::string("launch --nproc 2 -- train sft --config ") + config(dir, name, 2, extra));
    ASSERT_EQ(run.status, 0) << name << ": " << run.err;
  }
  expect_same_training(dir, "sharded", "whole", "bf16");
}

TEST_F(DataParallelSft, AKilledRankStopsTheJobWhichResumesFromTheLastCheckpoint) {
  testing::TempDir dir;
  std::string cfg = config(dir, "killed", 1);
  nlohmann::json long_run = nlohmann::json::parse(read_file(cfg));
  long_run["steps"] = 100000;  // far longer than the test waits
  write_file_atomically(cfg, long_run.dump());
  const std::string script = dir.file("kill.sh");
  write_file_atomically(script, R"(set -u
")" + std::string(VIVA_CLI_PATH) + R"(" launch --nproc 2 --grace 10 -- train sft --config ")" + cfg + R"(" >")" +
                                    dir.file("out.txt") + R"(" 2>")" + dir.file("err.txt") + R"(" &
launch=$!
for i in $(seq 1200); do [ -e ")" + dir.file("killed/checkpoints/latest") + R"(" ] && break; sleep 0.1; done
for p in $(pgrep -P $launch); do
  if tr '\0' '\n' </proc/$p/environ | grep -qx RANK=1; then kill -9 $p; fi
done
wait $launch
echo $? >")" + dir.file("status.txt") + "\"\n");
  ASSERT_EQ(std::system(("bash " + script).c_str()), 0);
  EXPECT_NE(std::stoi(read_file(dir.file("status.txt"))), 0);
  const std::string err = read_file(dir.file("err.txt"));
  EXPECT_NE(err.find("viva launch: rank 1 was killed by signal 9; stopping the other ranks"), std::string::npos) << err;

  // The newest complete checkpoint the killed job left ("latest" names it: step-<N>).
  const int64_t last = std::stoll(read_file(dir.file("killed/checkpoints/latest")).substr(5));
  ASSERT_GE(last, 2);
  const CliRun resumed =
      run_viva(dir, "launch --nproc 2 -- train sft --config " + cfg + " --resume --stop-after 1");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("stopped at step " + std::to_string(last + 1)), std::string::npos) << resumed.out;
}

// Sequence parallel (Ulysses): two ranks sharing each sample train what one process trains, also
// when stopped and resumed; four ranks in two groups of two what one process with accumulation 2
// trains (the same global batch); both also fully sharded; one process cannot split a sample.
TEST_F(DataParallelSft, SequenceParallelRanksTrainWhatOneProcessTrains) {
  const nlohmann::json split = {{"sequence_parallel", 2}};
  const nlohmann::json checkpointing = {{"activation_checkpointing", true}};
  const nlohmann::json split_and_sharded = {
      {"sequence_parallel", 2}, {"activation_checkpointing", true}, {"sharding", "full"}};
  for (const int world : {2, 4}) {
    testing::TempDir dir;
    const CliRun single = run_viva(dir, "train sft --config " + config(dir, "single", world / 2, checkpointing));
    ASSERT_EQ(single.status, 0) << single.err;
    for (const auto& [name, extra] : {std::pair{std::string("ranks"), split}, std::pair{std::string("sharded"), split_and_sharded}}) {
      const std::string on_ranks =
          "launch --nproc " + std::to_string(world) + " -- train sft --config " + config(dir, name, 1, extra);
      if (world == 2) {
        const CliRun first = run_viva(dir, on_ranks + " --stop-after 2");
        ASSERT_EQ(first.status, 0) << first.err;
      }
      const CliRun ranks = run_viva(dir, on_ranks + (world == 2 ? " --resume" : ""));
      ASSERT_EQ(ranks.status, 0) << ranks.err;
      expect_same_training(dir, name, "single", name + ", world " + std::to_string(world));
    }
  }
  testing::TempDir dir;
  testing::expect_one_line_error(run_viva(dir, "train sft --config " + config(dir, "alone", 1, split)),
                                 "sequence_parallel 2 needs a multiple of 2 ranks");
}

// A sequence-parallel edit: two ranks split the DiT's tokens, and rank 0 writes what one process
// writes (with a reference image, whose tokens lie in the first rank's shard).
TEST_F(DataParallelSft, SequenceParallelEditWritesWhatOneProcessWrites) {
  testing::TempDir dir;
  const std::string source = testing::write_frames(dir.file("source"), 5, 32, 32);
  write_image(dir.file("reference.png"), Image(32, 32, 200));
  const std::string edit = "edit " + source + " \"make it snow\" --ref " + dir.file("reference.png") + " --model " +
                           model_ + " --steps 2 --frames 5 --size 32x32 -o ";
  const CliRun one = run_viva(dir, edit + dir.file("one"));
  ASSERT_EQ(one.status, 0) << one.err;
  const CliRun two = run_viva(dir, "launch --nproc 2 -- " + edit + dir.file("two"));
  ASSERT_EQ(two.status, 0) << two.err;
  EXPECT_NE(two.out.find("wrote " + dir.file("two")), std::string::npos) << two.out;
  const VideoFrames a = read_video(dir.file("one")), b = read_video(dir.file("two"));
  ASSERT_EQ(a.pixels.size(), b.pixels.size());
  int worst = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) worst = std::max(worst, std::abs(a.pixels[i] - b.pixels[i]));
  EXPECT_LE(worst, 1);  // float rounding may move a level
}

// torch's own launcher starts `viva train` unchanged: under torchrun (static rendezvous, its
// agent serving the store) two ranks train what `viva launch --nproc 2` trains.
TEST_F(DataParallelSft, TorchrunStartsTheRunVivaLaunchStarts) {
  if (std::system("/usr/bin/python3 -c 'import torch.distributed.run' >/dev/null 2>&1") != 0) {
    if (std::getenv("CI")) FAIL() << "torchrun absent (Debian's python3-torch; tools/setup.sh installs it)";
    GTEST_SKIP() << "torchrun absent: Debian's python3-torch provides it";
  }
  testing::TempDir dir;
  const CliRun launched = run_viva(dir, "launch --nproc 2 -- train sft --config " + config(dir, "launch", 1));
  ASSERT_EQ(launched.status, 0) << launched.err;
  // --redirects and --tee: torch 1.13's torchrun on Python 3.11 cannot parse their default, 0.
  const std::string torchrun = "OMP_NUM_THREADS=1 /usr/bin/python3 -m torch.distributed.run --nproc_per_node 2 "
                               "--no_python --redirects 1 --tee 1 --log_dir " + dir.file("torchrun-logs") +
                               " --master_port " + std::to_string(unused_loopback_port()) + " " + VIVA_CLI_PATH +
                               " train sft --config " + config(dir, "torchrun", 1) + " >" + dir.file("torchrun.txt") +
                               " 2>&1 </dev/null";
  ASSERT_EQ(std::system(torchrun.c_str()), 0) << read_file(dir.file("torchrun.txt"));
  expect_same_training(dir, "torchrun", "launch", "torchrun");
}

// Edit-GRPO runs on the tiny model with two prompts, rewarded by brightness alone, launched as
// a user launches them.
class DataParallelGrpo : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
    model_ = testing::write_tiny_model(dir_);
    write_inversion_pairs(dir_.file("pairs"), 2, 32, 1);
  }

  // The configuration of run `name`: groups of `group` edits, two steps, two updates per group.
  std::string config(const std::string& name, int64_t group, const nlohmann::json& extra = nlohmann::json::object()) const {
    nlohmann::json c = {
        {"model", model_}, {"prompts", dir_.file("pairs/manifest.jsonl")}, {"out", dir_.file(name)}, {"steps", 2},
        {"rewards", {{"weights", {{"instruction", 0.0}, {"preservation", 0.0}, {"pickscore", 0.0}, {"brightness", 1.0}}}}},
        {"lora", {{"rank", 2}, {"alpha", 2.0}}}, {"group_size", group}, {"sampling_steps", 3}, {"width", 32},
        {"height", 32}, {"frames", 1}, {"guidance", 1.0}, {"updates_per_group", 2}, {"seed", 5}};
    c.update(extra);
    write_file_atomically(dir_.file(name + ".json"), c.dump());
    return dir_.file(name + ".json");
  }

  // Runs `launch` (e.g. "launch --nproc 2 -- ", or "" for one process) + train grpo on run
  // `name` with groups of 4 edits; it must succeed.
  void train(const std::string& launch, const std::string& name, const nlohmann::json& extra) {
    const CliRun run = run_viva(dir_, launch + "train grpo --config " + config(name, 4, extra));
    ASSERT_EQ(run.status, 0) << name << ": " << run.err;
  }

  // The step figures of run `ranks` are those of run `single` within 1e-5 (a gradient reduced
  // wrongly shows in grad_norm, a reward gathered wrongly in reward and reward_std), and so is
  // the LoRA within 1e-3: AdamW turns the rounding differences of near-zero gradient elements
  // into differences of whole steps (measured: 9e-5 relative at most).
  void expect_same_grpo(const std::string& ranks, const std::string& single) const {
    EXPECT_LT(worst_relative_difference(dir_.file(ranks + "/lora.safetensors"), dir_.file(single + "/lora.safetensors")),
              1e-3)
        << ranks;
    for (const std::string figure : {"reward", "reward_std", "grad_norm"}) {
      const auto expected = logged_step_series(dir_.file(single + "/metrics.jsonl"), figure);
      const auto got = logged_step_series(dir_.file(ranks + "/metrics.jsonl"), figure);
      ASSERT_EQ(expected.size(), got.size()) << ranks << ", " << figure;
      for (std::size_t i = 0; i < expected.size(); ++i)
        EXPECT_NEAR(got[i], expected[i], 1e-5 * std::abs(expected[i])) << ranks << ", " << figure << " of step " << i + 1;
    }
  }

  // What rank 0 of run `name` kept of the frozen DiT between its runs (its start line).
  double frozen_dit_bytes(const std::string& name) const {
    std::ifstream log(dir_.file(name + "/metrics.jsonl"));
    std::string first;
    std::getline(log, first);
    return nlohmann::json::parse(first).at("frozen_dit_bytes").get<double>();
  }

  testing::TempDir dir_;
  std::string model_;
};

// Edit-GRPO over two ranks: each samples half of every group; the gathered rewards make the
// group's figures and one LoRA comes out.
TEST_F(DataParallelGrpo, SpreadsEachGroupOverTheRanks) {
  const CliRun run = run_viva(dir_, "launch --nproc 2 -- train grpo --config " + config("ranks", 4));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("trained steps 0..2"), std::string::npos) << run.out;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("ranks/lora.safetensors")));
  std::ifstream log(dir_.file("ranks/metrics.jsonl"));
  std::string text;
  int steps = 0;
  while (std::getline(log, text)) {
    const auto line = nlohmann::json::parse(text);
    if (line["event"] == "start") {
      EXPECT_EQ(line["world_size"], 2);
    }
    if (line["event"] != "step") continue;
    ++steps;
    EXPECT_EQ(line["updates"], 2);
    EXPECT_GT(line["reward_std"].get<double>(), 0.0);  // over all four members, not one rank's two
  }
  EXPECT_EQ(steps, 2);
  const CliRun odd = run_viva(dir_, "launch --nproc 2 -- train grpo --config " + config("odd", 3));
  EXPECT_NE(odd.status, 0);
  EXPECT_NE(odd.err.find("multiple of the world size 2"), std::string::npos) << odd.err;
}

// Edit-GRPO with every member split over two ranks (one sample group) trains the LoRA one
// process trains: the same group drawn and rewarded, the same two updates per group. Four ranks
// in two sample groups train what two plain data-parallel ranks train (each sample group draws
// what one of those ranks draws). One process cannot split a member.
TEST_F(DataParallelGrpo, SequenceParallelRanksTrainWhatOneProcessTrains) {
  const nlohmann::json checkpointing = {{"activation_checkpointing", true}};
  const nlohmann::json split = {{"sequence_parallel", 2}, {"activation_checkpointing", true}};
  train("", "single", checkpointing);
  train("launch --nproc 2 -- ", "split", split);
  expect_same_grpo("split", "single");
  train("launch --nproc 2 -- ", "two_ranks", checkpointing);
  train("launch --nproc 4 -- ", "two_split_groups", split);
  expect_same_grpo("two_split_groups", "two_ranks");
  testing::expect_one_line_error(run_viva(dir_, "train grpo --config " + config("alone", 4, split)),
                                 "sequence_parallel 2 needs a multiple of 2 ranks");
}

// Edit-GRPO with the frozen DiT sharded over the ranks (each keeps half of every unit, gathered
// as it runs) trains what ranks holding it whole train; so do four ranks in two sequence-parallel
// groups with it sharded over all four, each keeping a quarter.
TEST_F(DataParallelGrpo, ShardedRanksTrainWhatWholeRanksTrain) {
  train("launch --nproc 2 -- ", "whole", {{"activation_checkpointing", true}});
  train("launch --nproc 2 -- ", "sharded", {{"sharding", "full"}, {"activation_checkpointing", true}});
  expect_same_grpo("sharded", "whole");
  const double whole = frozen_dit_bytes("whole");
  EXPECT_NEAR(frozen_dit_bytes("sharded"), whole / 2, 1e-3 * whole);  // up to each unit's padding
  train("launch --nproc 4 -- ", "sharded_split",
        {{"sharding", "full"}, {"sequence_parallel", 2}, {"activation_checkpointing", true}});
  expect_same_grpo("sharded_split", "whole");
  EXPECT_NEAR(frozen_dit_bytes("sharded_split"), whole / 4, 1e-3 * whole);
}

// In bf16 the frozen DiT's shards hold its bf16 matmul weights and its float32 norms apart, and
// are gathered as bytes (Gloo moves no bf16): the ranks train what ranks holding the bf16 DiT
// whole train, each keeping half of it.
TEST_F(DataParallelGrpo, Bf16ShardedRanksTrainWhatWholeRanksTrain) {
  const nlohmann::json whole = {{"dtype", "bf16"}, {"activation_checkpointing", true}};
  nlohmann::json sharded = whole;
  sharded["sharding"] = "full";
  train("launch --nproc 2 -- ", "whole_bf16", whole);
  train("launch --nproc 2 -- ", "sharded_bf16", sharded);
  expect_same_grpo("sharded_bf16", "whole_bf16");
  const double whole_bytes = frozen_dit_bytes("whole_bf16");
  EXPECT_NEAR(frozen_dit_bytes("sharded_bf16"), whole_bytes / 2, 1e-3 * whole_bytes);
}

TEST_F(DataParallelSft, AFailingRankStopsTheOthersAndIsNamed) {
  testing::TempDir dir;
  // The VAE trainer runs on one process only: each rank fails, and launch names the first.
  const CliRun run = run_viva(dir, "launch --nproc 2 --grace 5 -- train vae --config " + dir.file("absent.json"));
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.err.find("viva launch: rank "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("stopping the other ranks"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace viva
