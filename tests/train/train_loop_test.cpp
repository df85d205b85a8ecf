// The step loop's bookkeeping: checkpoints, stop requests and the wall-time budget.
#include "viva/train/train_loop.h"

#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "viva/core/atomic_file.h"

namespace viva {
namespace {

using testing::TempDir;

// Ten steps, a checkpoint every four, a silent progress bar and a log in a temporary folder.
class TrainLoopTest : public ::testing::Test {
 protected:
  TrainLoopTest() {
    options.steps = 10;
    options.checkpoint_every = 4;
  }
  TrainLoop loop_from(const TrainState& resumed, int64_t stop_after = 0) {
    return TrainLoop("t", options, resumed, stop_after, ProgressOptions().set_mode(ProgressMode::Silent), log);
  }

  TempDir dir;
  JsonlLog log{dir.file("log.jsonl")};
  TrainingOptions options;
};

TEST_F(TrainLoopTest, ASpentTimeBudgetEndsTrainingAsCompleteWithACheckpointAtTheLastStep) {
  options.max_minutes = 1e-9;  // spent by the end of the first step
  TrainLoop loop = loop_from(TrainState{});
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

TEST_F(TrainLoopTest, TheBudgetCountsTheResumedRunsTime) {
  options.max_minutes = 1;
  TrainState resumed;
  resumed.step = 5;
  resumed.elapsed_s = 61;
  const TrainLoop spent = loop_from(resumed);
  EXPECT_FALSE(spent.more(5));
  EXPECT_TRUE(spent.complete(5));
  EXPECT_GE(spent.elapsed_s(), 61);
  resumed.elapsed_s = 30;
  const TrainLoop left = loop_from(resumed);
  EXPECT_TRUE(left.more(5));
  EXPECT_FALSE(left.complete(5));
  // No budget: only the steps end training.
  options.max_minutes = 0;
  resumed.elapsed_s = 1e9;
  TrainLoop unlimited = loop_from(resumed);
  EXPECT_TRUE(unlimited.more(9));
  int saves = 0;
  EXPECT_TRUE(unlimited.step_done(10, [&](double) { ++saves; }));
  EXPECT_EQ(saves, 1);  // the last step
  EXPECT_TRUE(unlimited.complete(10));
  EXPECT_FALSE(unlimited.more(10));
}

TEST_F(TrainLoopTest, AStepBudgetForThisRunStopsBeforeCompletionWithACheckpoint) {
  TrainState resumed;
  resumed.step = 2;
  TrainLoop loop = loop_from(resumed, 1);
  int saves = 0;
  EXPECT_FALSE(loop.step_done(3, [&](double) { ++saves; }));
  EXPECT_EQ(saves, 1);
  EXPECT_FALSE(loop.complete(3));
}

}  // namespace
}  // namespace viva
