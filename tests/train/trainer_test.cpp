// The skeleton the five trainers share: the step's figures, accumulation, the step lines,
// checkpoints and exact resume, the EMA and the result, on a one-weight regression.
#include "viva/train/trainer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "../support/quiet_run.h"
#include "../support/temp_dir.h"
#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/core/jsonl_log.h"

namespace viva {
namespace {

using testing::TempDir;

TEST(StepFigures, ReducesEachFigureAsItWasGiven) {
  StepFigures f;
  f.mean("loss", 1.0);
  f.mean("loss", 3.0);
  f.mean("loss", NAN);  // not counted
  f.mean("absent", NAN);
  f.sum("seconds", 0.5);
  f.sum("seconds", 0.25);
  f.count("videos", 1);
  f.count("videos", 0);
  f.count("videos", 1);
  f.ratio("accuracy", 3, 4);
  f.ratio("accuracy", 1, 6);
  f.ratio("nothing", 0, 0);
  f.set("batch", 4);
  const nlohmann::json fields = f.fields();
  EXPECT_DOUBLE_EQ(fields.at("loss").get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(fields.at("seconds").get<double>(), 0.75);
  EXPECT_EQ(fields.at("videos"), 2);
  EXPECT_TRUE(fields.at("videos").is_number_integer());
  EXPECT_DOUBLE_EQ(fields.at("accuracy").get<double>(), 0.4);
  EXPECT_EQ(fields.at("batch"), 4);
  EXPECT_FALSE(fields.contains("absent"));
  EXPECT_FALSE(fields.contains("nothing"));
  EXPECT_DOUBLE_EQ(f.value("loss"), 2.0);
  EXPECT_THROW(f.value("absent"), Error);
  EXPECT_THROW(f.sum("loss", 1.0), Error);  // one figure, one reduction
}

// w·x ≈ 3x from one weight: each micro-batch draws x from the step's generator.
struct Regression {
  torch::nn::Linear line{torch::nn::LinearOptions(1, 1).bias(false)};
  TrainingOptions config;

  explicit Regression(int64_t steps) {
    config.steps = steps;
    config.lr = 0.05;
    config.checkpoint_every = 2;
    torch::NoGradGuard no_grad;
    line->weight.fill_(0.0);
  }

  TrainResult train(const std::string& out, const TrainRunOptions& run, double ema = 0) {
    Trainer trainer("regression", config, {{"what", "regression"}}, out, run);
    trainer.keep_ema(ema);
    trainer.start(*line, line->parameters(), adamw_options(config), {{"samples", 8}});
    const bool complete = trainer.run(2, [&](MicroStep& m) {
      const auto x = torch::randn({8, 1}, m.generator);
      const auto loss = (line->forward(x) - 3 * x).pow(2).mean();
      m.backward(loss);
      m.figures.mean("loss", loss.item<double>());
      m.figures.count("micro_batches", 1);
    });
    if (!complete) return trainer.result();
    last_ema = trainer.ema();
    return trainer.finish(out + "/model", {{"weight", line->weight.item<double>()}});
  }
  std::vector<std::pair<std::string, torch::Tensor>> last_ema;
};

TEST(Trainer, AStoppedAndResumedRunEqualsAnUninterruptedOne) {
  TempDir dir;
  Regression whole(6);
  const TrainResult a = whole.train(dir.file("whole"), testing::quiet_run());
  ASSERT_TRUE(a.finished);
  EXPECT_EQ(a.start_step, 0);
  EXPECT_EQ(a.end_step, 6);
  EXPECT_EQ(a.output, dir.file("whole") + "/model");
  EXPECT_LT(a.last("loss"), a.first("loss"));
  EXPECT_EQ(a.last_step.at("micro_batches"), 2);  // accumulation: two micro-batches a step
  EXPECT_EQ(a.last_step.at("step"), 6);
  EXPECT_TRUE(a.last_step.contains("lr") && a.last_step.contains("grad_norm") && a.last_step.contains("elapsed_s"));
  EXPECT_DOUBLE_EQ(a.reported("weight"), whole.line->weight.item<double>());

  Regression split(6);
  const TrainResult part = split.train(dir.file("split"), testing::quiet_run(false, 3));
  EXPECT_FALSE(part.finished);
  EXPECT_EQ(part.end_step, 3);
  Regression resumed(6);  // a new process: fresh weights, restored from the checkpoint
  const TrainResult rest = resumed.train(dir.file("split"), testing::quiet_run(true));
  ASSERT_TRUE(rest.finished);
  EXPECT_EQ(rest.start_step, 3);
  EXPECT_EQ(resumed.line->weight.item<double>(), whole.line->weight.item<double>());
  EXPECT_EQ(rest.last("loss"), a.last("loss"));

  // The log: start, a line per step, resume, finished with the output and the report.
  const std::vector<double> losses = logged_step_series(dir.file("split") + "/metrics.jsonl", "loss");
  ASSERT_EQ(losses.size(), 6u);
  const std::string log = read_file(dir.file("split") + "/metrics.jsonl");
  for (const char* event : {"\"start\"", "\"resume\"", "\"finished\"", "\"weight\"", "\"samples\""})
    EXPECT_NE(log.find(event), std::string::npos) << event;
}

// The weight the EMA still gives the initial weights after n steps is the product of the decays.
TEST(TrainerEma, WarmsUpSoAShortRunForgetsItsStartingWeights) {
  EXPECT_NEAR(ema_decay(0.999, 1), 2.0 / 11.0, 1e-12);
  EXPECT_EQ(ema_decay(0.999, 100000), 0.999);
  EXPECT_EQ(ema_decay(0.0, 5), 0.0);
  double initial_share = 1;
  for (int64_t step = 1; step <= 1200; ++step) initial_share *= ema_decay(0.999, step);
  EXPECT_LT(initial_share, 1e-3);  // a plain 0.999 would leave 0.30
}

TEST(TrainerEma, TrailsTheWeightsAndIsKeptBesideThem) {
  TempDir dir;
  Regression run(4);
  ASSERT_TRUE(run.train(dir.file("ema"), testing::quiet_run(), 0.9).finished);
  ASSERT_EQ(run.last_ema.size(), 1u);
  EXPECT_EQ(run.last_ema[0].first, "weight");
  // The average trails the weight, which moves from 0 towards 3.
  const double average = run.last_ema[0].second.item<double>(), weight = run.line->weight.item<double>();
  EXPECT_GT(average, 0);
  EXPECT_LT(average, weight);
}

}  // namespace
}  // namespace viva
