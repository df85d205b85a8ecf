// `viva eval bench` end to end with tiny metric models (`viva model init-metric`): every metric
// column per category and overall, a static video's consistency exactly 1, frame-weighted
// consistency over the categories, a missing prediction counted, an unreadable one reported
// (exit 1, the rest scored), a second run resuming from per_video.jsonl, and two prediction
// folders compared on the rows both have.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../support/cli_run.h"
#include "../support/needs_shared.h"
#include "../support/tiny_model.h"
#include "viva/data/manifest.h"
#include "viva/eval/tiny_metric_models.h"
#include "viva/io/image.h"
#include "viva/models/clip/clip_checkpoint.h"

namespace viva {
namespace {

using testing::CliRun;
using testing::run_viva;

// PNG frames of a bright square moving `step` pixels a frame.
void write_clip(const std::string& folder, int frames, int step) {
  std::filesystem::create_directories(folder);
  for (int t = 0; t < frames; ++t) {
    Image frame(48, 32, 60);
    for (int y = 8; y < 24; ++y)
      for (int x = 4 + t * step; x < 20 + t * step; ++x)
        for (int c = 0; c < 3; ++c) frame.at(x, y)[c] = 230;
    char name[32];
    std::snprintf(name, sizeof name, "/%05d.png", t);
    write_image(folder + name, frame);
  }
}

TEST(EvalBench, ScoresEveryMetricPerCategoryAndResumes) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  testing::TempDir dir;
  torch::manual_seed(4);
  for (const std::string kind : {"dino", "dinov2", "viclip"})
    ASSERT_EQ(run_viva(dir, "model init-metric " + kind + " --out " + dir.file(kind) + " --seed 4").status, 0) << kind;
  const std::string merges = testing::test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz";
  write_clip_folder(ClipModel(ClipOptions::tiny()), dir.file("clip"), merges);

  write_clip(dir.file("pred/moving"), 5, 5);
  write_clip(dir.file("pred/still"), 4, 0);
  write_clip(dir.file("pred/short"), 1, 0);  // one frame: no consistency terms, text metrics still
  std::ofstream(dir.file("pred/broken.mp4")) << "not a video";
  std::ofstream manifest(dir.file("manifest.jsonl"));
  for (const auto& [id, task] : std::vector<std::pair<std::string, std::string>>{
           {"moving", "add"}, {"still", "remove"}, {"short", "remove"}, {"broken", "add"}, {"absent", "add"}})
    manifest << nlohmann::json{{"id", id}, {"task", task}, {"instruction", "move the square"},
                               {"target_caption", "a white square on grey"}}
                    .dump()
             << "\n";
  manifest.close();

  const std::string command = "eval bench --manifest " + dir.file("manifest.jsonl") + " --pred " + dir.file("pred") +
                              " --out " + dir.file("bench") + " --dino " + dir.file("dino") + " --dinov2 " +
                              dir.file("dinov2") + " --clip-b32 " + dir.file("clip") + " --clip-l14 " + dir.file("clip") +
                              " --pickscore " + dir.file("clip") + " --viclip " + dir.file("viclip") +
                              " --viclip-merges " + merges;
  const CliRun first = run_viva(dir, command);
  EXPECT_EQ(first.status, 1) << first.err;  // the broken video
  EXPECT_NE(first.out.find(": 3 scored, 0 from an earlier run, 1 without a prediction, 1 failed"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("failed broken:"), std::string::npos) << first.out;

  const auto table = nlohmann::json::parse(read_file(dir.file("bench/table.json")));
  ASSERT_EQ(table["rows"].size(), 3u);  // add, remove, all
  const auto& add = table["rows"][0];
  const auto& remove = table["rows"][1];
  const auto& all = table["rows"][2];
  EXPECT_EQ(add["category"], "add");
  EXPECT_EQ(all["category"], "all");
  EXPECT_EQ(all["videos"], 3);
  for (const char* metric : {"vbench_subject_consistency", "vbench_background_consistency", "editverse_dino_consistency",
                             "editverse_clip_consistency", "frame_text_alignment", "video_text_alignment", "pickscore"})
    EXPECT_TRUE(all.contains(metric)) << metric;
  // "remove" holds the still clip (3 terms, each 1) and the one-frame clip (no terms).
  for (const char* metric : {"vbench_subject_consistency", "editverse_dino_consistency"})
    EXPECT_NEAR(remove[metric].get<double>(), 1.0, 1e-9) << metric;
  EXPECT_LT(add["vbench_subject_consistency"].get<double>(), 1.0);
  // Overall consistency is frame-weighted: (4 · moving + 3 · 1) / 7.
  const double moving = add["vbench_subject_consistency"].get<double>();
  EXPECT_NEAR(all["vbench_subject_consistency"].get<double>(), (4 * moving + 3 * 1.0) / 7, 1e-9);
  EXPECT_TRUE(table["models"].contains("video_text_alignment"));
  EXPECT_EQ(table["caption"], "the manifest's target_caption (text metrics skip rows without one)");
  EXPECT_NE(read_file(dir.file("bench/table.md")).find("| all | 3 |"), std::string::npos);

  const CliRun again = run_viva(dir, command);
  EXPECT_NE(again.out.find(": 0 scored, 3 from an earlier run"), std::string::npos) << again.out;
  EXPECT_EQ(nlohmann::json::parse(read_file(dir.file("bench/table.json")))["rows"], table["rows"]);
  // Fewer models than the earlier run: every video scored again.
  const CliRun fewer = run_viva(dir, command.substr(0, command.find(" --dinov2")));
  EXPECT_NE(fewer.out.find(": 3 scored, 0 from an earlier run"), std::string::npos) << fewer.out;
  EXPECT_FALSE(nlohmann::json::parse(read_file(dir.file("bench/table.json")))["rows"][0].contains("pickscore"));

  // Two folders side by side on the rows both have: the still clip against the moving one.
  std::filesystem::create_directories(dir.file("other"));
  write_clip(dir.file("other/still"), 5, 5);
  write_clip(dir.file("other/moving"), 5, 5);
  std::string compare = command;
  compare.replace(compare.find(" --pred " + dir.file("pred")), (" --pred " + dir.file("pred")).size(),
                  " --compare " + dir.file("pred") + " " + dir.file("other"));
  compare.replace(compare.find(dir.file("bench")), dir.file("bench").size(), dir.file("versus"));
  const CliRun versus = run_viva(dir, compare);
  EXPECT_EQ(versus.status, 0) << versus.err;
  EXPECT_NE(versus.out.find("(2 rows both have)"), std::string::npos) << versus.out;
  const auto b = nlohmann::json::parse(read_file(dir.file("versus/b/table.json")));
  EXPECT_NEAR(b["rows"][0]["vbench_subject_consistency"].get<double>(), moving, 1e-9);  // add: the same clip
  EXPECT_LT(b["rows"][1]["vbench_subject_consistency"].get<double>(), 1.0);  // remove: now moving
  EXPECT_NE(read_file(dir.file("versus/compare.md")).find("| remove | 1 | 100.00 / "), std::string::npos)
      << read_file(dir.file("versus/compare.md"));

  testing::expect_one_line_error(run_viva(dir, "eval bench --manifest " + dir.file("manifest.jsonl") + " --pred " +
                                                   dir.file("pred") + " --out " + dir.file("b2")),
                                 "no metric model given");
}

// A ShapesWorld split with its own targets as the predictions: the oracle judge's columns join
// the table (every instruction followed), beside DINO's consistency.
TEST(EvalBench, ShapesWorldSplitsGetTheOracleColumns) {
  testing::TempDir dir;
  const CliRun data = run_viva(dir, "data shapes --out " + dir.file("shapes") + " --n 6 --size 64 --frames 5 --image-fraction 0");
  ASSERT_EQ(data.status, 0) << data.err;
  std::filesystem::create_directories(dir.file("pred"));
  for (const ManifestRow& row : read_manifest(dir.file("shapes/manifest.jsonl")).rows)
    std::filesystem::copy(row.target, dir.file("pred/" + row.id + std::filesystem::path(row.target).extension().string()));
  torch::manual_seed(4);
  write_tiny_metric_model("dino", dir.file("dino"), 0);
  const CliRun run = run_viva(dir, "eval bench --manifest " + dir.file("shapes/manifest.jsonl") + " --pred " +
                                       dir.file("pred") + " --out " + dir.file("bench") + " --dino " + dir.file("dino") +
                                       " --shapes");
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  const auto table = nlohmann::json::parse(read_file(dir.file("bench/table.json")));
  const auto& all = table["rows"].back();
  EXPECT_EQ(all["category"], "all");
  EXPECT_EQ(all["videos"], 6);
  EXPECT_DOUBLE_EQ(all["oracle_followed"].get<double>(), 1.0);  // the targets themselves
  EXPECT_TRUE(all.contains("oracle_ssim_outside_mask"));
  EXPECT_TRUE(all.contains("vbench_subject_consistency"));
  for (const auto& row : table["rows"]) EXPECT_TRUE(row.contains("oracle_followed")) << row;
  EXPECT_NE(read_file(dir.file("bench/table.md")).find("oracle_followed"), std::string::npos);
}

}  // namespace
}  // namespace viva
