#include <gtest/gtest.h>

#include <fstream>

#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/data/manifest.h"
#include "viva/io/video_writer.h"
#include "viva/rewards/clip_scorer.h"
#include "viva/train/clip_trainer.h"

namespace viva {
namespace {

using testing::TempDir;

// Six 3-frame clips of distinct colours (PNG folders), each with its colour as caption; striped
// (the colour and its half) so that blur and pixelation change them.
std::string write_colour_manifest(const TempDir& dir) {
  const std::vector<std::pair<std::string, std::array<uint8_t, 3>>> colours = {
      {"red", {220, 30, 30}},    {"green", {30, 200, 40}},  {"blue", {30, 40, 220}},
      {"yellow", {230, 220, 40}}, {"purple", {140, 40, 170}}, {"white", {245, 245, 245}}};
  std::vector<ManifestRow> rows;
  for (std::size_t i = 0; i < colours.size(); i += 2) {
    ManifestRow r;
    r.id = "c" + std::to_string(i);
    r.task = "attribute";
    r.instruction = "make it " + colours[i + 1].first;
    for (int side = 0; side < 2; ++side) {
      VideoFrames v(3, 32, 32, 8.0);
      for (std::size_t p = 0; p < v.pixels.size(); ++p) {
        const bool dark = (p / 3 % 32) / 2 % 2;  // 2-pixel vertical stripes
        v.pixels[p] = static_cast<uint8_t>(colours[i + side].second[p % 3] >> (dark ? 1 : 0));
      }
      const std::string path = dir.file(r.id + (side ? "_target" : "_source"));
      write_video(path, v);
      (side ? r.target : r.source) = path;
      (side ? r.target_caption : r.source_caption) = "a " + colours[i + side].first + " frame";
    }
    rows.push_back(r);
  }
  write_manifest(dir.file("manifest.jsonl"), rows);
  return dir.file("manifest.jsonl");
}

TEST(ClipTrainer, LearnsToRetrieveCaptionsThenToPreferCleanFrames) {
  if (!testing::have_test_tokenizers()) GTEST_SKIP() << "test tokenizers absent";
  TempDir dir;
  ClipTrainConfig c;
  c.manifest = write_colour_manifest(dir);
  c.out = dir.file("contrastive");
  c.merges = testing::test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz";
  c.steps = 80;
  c.batch_size = 6;
  c.lr = 2e-3;
  c.warmup = 5;
  c.weight_decay = 0;
  const ProgressOptions quiet = ProgressOptions().set_mode(ProgressMode::Silent);
  const ClipTrainResult r = train_clip(c, false, 0, quiet);
  ASSERT_TRUE(r.finished);
  EXPECT_LT(r.last_loss, r.first_loss / 4) << r.first_loss << " -> " << r.last_loss;
  EXPECT_EQ(r.heldout_split, "train");
  EXPECT_EQ(r.heldout_items, 6);
  EXPECT_DOUBLE_EQ(r.heldout_accuracy, 1.0);

  // The folder is a reward model: its scorer matches each clip with its own caption.
  ClipScorer scorer(r.folder, torch::kCPU);
  const auto text = scorer.text_embeddings({"a red frame", "a green frame"});
  auto red = torch::empty({1, 3, 1, 32, 32});
  red.select(1, 0).fill_(220 / 127.5 - 1), red.select(1, 1).fill_(30 / 127.5 - 1), red.select(1, 2).fill_(30 / 127.5 - 1);
  const auto video = scorer.video_embeddings(red, 1);
  EXPECT_GT((video * text[0]).sum().item<double>(), (video * text[1]).sum().item<double>());

  ClipTrainConfig p = c;
  p.objective = "preference";
  p.init = r.folder;
  p.merges.clear();
  p.out = dir.file("preference");
  p.steps = 60;
  const ClipTrainResult pr = train_clip(p, false, 0, quiet);
  ASSERT_TRUE(pr.finished);
  EXPECT_GE(pr.heldout_accuracy, 0.9);
}

}  // namespace
}  // namespace viva
