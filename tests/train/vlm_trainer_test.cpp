#include <gtest/gtest.h>

#include "../support/colour_clips.h"
#include "../support/needs_shared.h"
#include "../support/quiet_run.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/pipeline/viva_pipeline.h"
#include "viva/train/vlm_trainer.h"

namespace viva {
namespace {

using testing::TempDir;

TEST(VlmTrainer, LearnsToCaptionFramesAndWritesALoadableModel) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  VlmTrainConfig c;
  c.model = testing::write_tiny_model(dir);
  c.manifest = testing::write_colour_manifest(dir);
  c.out = dir.file("vlm");
  c.steps = 200;
  c.grad_accum = 2;
  c.lr = 3e-3;
  c.warmup = 5;
  const TrainResult r = train_vlm(c, testing::quiet_run());
  ASSERT_TRUE(r.finished);
  EXPECT_EQ(r.report.at("heldout_split"), "train");
  EXPECT_EQ(r.reported("heldout_items"), 6);
  EXPECT_LT(r.reported("heldout_loss"), r.first("loss") / 10) << r.first("loss") << " -> " << r.reported("heldout_loss");
  EXPECT_GE(r.reported("heldout_token_accuracy"), 0.9);
  VivaPipeline pipeline(r.output, torch::kCPU, torch::kFloat32);  // every component loads
}

}  // namespace
}  // namespace viva
