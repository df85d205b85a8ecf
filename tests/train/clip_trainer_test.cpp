#include <gtest/gtest.h>

#include <fstream>

#include "../support/colour_clips.h"
#include "../support/needs_shared.h"
#include "../support/quiet_run.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/core/checkpoint.h"
#include "viva/rewards/clip_scorer.h"
#include "viva/train/clip_trainer.h"

namespace viva {
namespace {

using testing::TempDir;

TEST(ClipTrainer, LearnsToRetrieveCaptionsThenToPreferCleanFrames) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  ClipTrainConfig c;
  c.manifest = testing::write_colour_manifest(dir);
  c.out = dir.file("contrastive");
  c.merges = testing::test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz";
  c.steps = 80;
  c.batch_size = 6;
  c.lr = 2e-3;
  c.warmup = 5;
  c.weight_decay = 0;
  const TrainResult r = train_clip(c, testing::quiet_run());
  ASSERT_TRUE(r.finished);
  EXPECT_LT(r.last("loss"), r.first("loss") / 4) << r.first("loss") << " -> " << r.last("loss");
  EXPECT_EQ(r.report.at("heldout_split"), "train");
  EXPECT_EQ(r.reported("heldout_items"), 6);
  EXPECT_DOUBLE_EQ(r.reported("heldout_accuracy"), 1.0);

  // The folder is a reward model: its scorer matches each clip with its own caption.
  ClipScorer scorer(r.output, torch::kCPU);
  const auto text = scorer.text_embeddings({"a red frame", "a green frame"});
  auto red = torch::empty({1, 3, 1, 32, 32});
  red.select(1, 0).fill_(220 / 127.5 - 1), red.select(1, 1).fill_(30 / 127.5 - 1), red.select(1, 2).fill_(30 / 127.5 - 1);
  const auto video = scorer.video_embeddings(red, 1);
  EXPECT_GT((video * text[0]).sum().item<double>(), (video * text[1]).sum().item<double>());

  ClipTrainConfig p = c;
  p.objective = "preference";
  p.init = r.output;
  p.merges.clear();
  p.out = dir.file("preference");
  p.steps = 60;
  const TrainResult pr = train_clip(p, testing::quiet_run());
  ASSERT_TRUE(pr.finished);
  EXPECT_GE(pr.reported("heldout_accuracy"), 0.9);
}

TEST(ClipTrainer, ResumedRunEqualsUninterruptedRun) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  ClipTrainConfig c;
  c.manifest = testing::write_colour_manifest(dir);
  c.merges = testing::test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz";
  c.steps = 6;
  c.batch_size = 4;
  c.warmup = 2;
  c.out = dir.file("straight");
  const TrainResult a = train_clip(c, testing::quiet_run());
  c.out = dir.file("interrupted");
  EXPECT_FALSE(train_clip(c, testing::quiet_run(false, 3)).finished);
  const TrainResult b = train_clip(c, testing::quiet_run(true));
  ASSERT_TRUE(a.finished && b.finished);
  const Checkpoint wa(a.output), wb(b.output);
  ASSERT_EQ(wa.names(), wb.names());
  for (const auto& name : wa.names()) EXPECT_TRUE(torch::equal(wa.load(name), wb.load(name))) << name;
}

}  // namespace
}  // namespace viva
