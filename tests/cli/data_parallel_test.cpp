// Data-parallel SFT over c10d's Gloo on loopback: `viva launch --nproc W -- train sft` with
// accumulation 1 trains the same weights as one process with accumulation W (the same global
// batch: micro-batch slot k draws the same samples in both), within float rounding.
#include <gtest/gtest.h>

#include <cstdlib>

#include "../support/cli_run.h"
#include "../support/encoded_pairs.h"
#include "viva/core/atomic_file.h"
#include "viva/core/checkpoint.h"
#include "viva/core/jsonl_log.h"

namespace viva {
namespace {

using testing::CliRun;
using testing::run_viva;

class DataParallelSft : public testing::EncodedPairsTest {
 protected:
  std::string config(const testing::TempDir& dir, const std::string& name, int64_t grad_accum) const {
    const nlohmann::json c = {{"model", model_},       {"cache", dir_->file("cache")}, {"out", dir.file(name)},
                              {"steps", 5},            {"lr", 1e-3},                   {"batch_size", 1},
                              {"grad_accum", grad_accum}, {"warmup", 1},               {"checkpoint_every", 2},
                              {"seed", 3}};
    const std::string path = dir.file(name + ".json");
    write_file_atomically(path, c.dump());
    return path;
  }
};

double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).norm() / b.norm().clamp_min(1e-12)).item<double>();
}

TEST_F(DataParallelSft, RanksTrainWhatOneProcessTrainsWithTheSameGlobalBatch) {
  for (const int world : {2, 3}) {
    testing::TempDir dir;
    const CliRun single = run_viva(dir, "train sft --config " + config(dir, "single", world));
    ASSERT_EQ(single.status, 0) << single.err;
    const CliRun ranks = run_viva(dir, "launch --nproc " + std::to_string(world) + " -- train sft --config " +
                                           config(dir, "ranks", 1));
    ASSERT_EQ(ranks.status, 0) << ranks.err;
    EXPECT_NE(ranks.out.find("trained steps 0..5"), std::string::npos) << ranks.out;  // rank 0 reports once

    const std::string weights = "model/transformer/diffusion_pytorch_model.safetensors";
    const Checkpoint a(dir.file("single/" + weights)), b(dir.file("ranks/" + weights));
    ASSERT_EQ(a.names(), b.names());
    double worst = 0;
    for (const auto& name : a.names()) worst = std::max(worst, relative_difference(b.load(name), a.load(name)));
    EXPECT_LT(worst, 1e-5) << "world " << world;
    // The step lines hold every rank's micro-batches: the same mean loss as the single process.
    const auto single_loss = logged_step_series(dir.file("single/metrics.jsonl"), "loss");
    const auto ranks_loss = logged_step_series(dir.file("ranks/metrics.jsonl"), "loss");
    ASSERT_EQ(single_loss.size(), ranks_loss.size());
    for (std::size_t i = 0; i < single_loss.size(); ++i) EXPECT_NEAR(ranks_loss[i], single_loss[i], 1e-5 * single_loss[i]);
  }
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
