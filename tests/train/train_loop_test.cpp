// The step loop's bookkeeping: checkpoints, stop requests and the wall-time budget.
#include "viva/train/train_loop.h"

#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "viva/core/atomic_file.h"

namespace viva {
namespace {

using testing::TempDir;

ProgressOptions silent() { return ProgressOptions().set_mode(ProgressMode::Silent); }

TEST(TrainLoop, ASpentTimeBudgetEndsTrainingAsCompleteWithACheckpointAtTheLastStep) {
  TempDir dir;
  JsonlLog log(dir.file("log.jsonl"));
  TrainingOptions options;
  options.steps = 10;
  options.checkpoint_every = 4;
  options.max_minutes = 1e-9;  // spent by the end of the first step
  TrainLoop loop("t", options, TrainState{}, 0, silent(), log);
  ASSERT_TRUE(loop.more(0));
  EXPECT_FALSE(loop.complete(0));
  double saved_elapsed = -1;
  EXPECT_TRUE(loop.step_done(1, [&](double elapsed_s) { saved_elapsed = elapsed_s; }));
  EXPECT_GT(saved_elapsed, 0);  // a checkpoint off the every-4 grid, with the time spent so far
  EXPECT_FALSE(loop.more(1));
  EXPECT_TRUE(loop.complete(1));
  const std::string text = read_file(dir.file("log.jsonl"));
  EXPECT_NE(text.find("\"time_limit\""), std::string::npos) << text;
}

TEST(TrainLoop, TheBudgetCountsTheResumedRunsTime) {
  TempDir dir;
  JsonlLog log(dir.file("log.jsonl"));
  TrainingOptions options;
  options.steps = 10;
  options.max_minutes = 1;
  TrainState resumed;
  resumed.step = 5;
  resumed.elapsed_s = 61;
  const TrainLoop spent("t", options, resumed, 0, silent(), log);
  EXPECT_FALSE(spent.more(5));
  EXPECT_TRUE(spent.complete(5));
  EXPECT_GE(spent.elapsed_s(), 61);
  resumed.elapsed_s = 30;
  const TrainLoop left("t", options, resumed, 0, silent(), log);
  EXPECT_TRUE(left.more(5));
  EXPECT_FALSE(left.complete(5));
  // No budget: only the steps end training.
  options.max_minutes = 0;
  resumed.elapsed_s = 1e9;
  TrainLoop unlimited("t", options, resumed, 0, silent(), log);
  EXPECT_TRUE(unlimited.more(9));
  int saves = 0;
  EXPECT_TRUE(unlimited.step_done(10, [&](double) { ++saves; }));
  EXPECT_EQ(saves, 1);  // the last step
  EXPECT_TRUE(unlimited.complete(10));
  EXPECT_FALSE(unlimited.more(10));
}

TEST(TrainLoop, AStepBudgetForThisRunStopsBeforeCompletionWithACheckpoint) {
  TempDir dir;
  JsonlLog log(dir.file("log.jsonl"));
  TrainingOptions options;
  options.steps = 10;
  options.checkpoint_every = 4;
  TrainState resumed;
  resumed.step = 2;
  TrainLoop loop("t", options, resumed, 1, silent(), log);
  int saves = 0;
  EXPECT_FALSE(loop.step_done(3, [&](double) { ++saves; }));
  EXPECT_EQ(saves, 1);
  EXPECT_FALSE(loop.complete(3));
}

}  // namespace
}  // namespace viva
