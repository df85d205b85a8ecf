// `viva data shapes` on disk: layout, manifest validity, GRPO triplets, resumption, and the
// command line of `viva data shapes` and `viva eval shapes`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../../support/temp_dir.h"
#include "viva/core/atomic_file.h"
#include "viva/data/grpo_prompts.h"
#include "viva/data/manifest_check.h"
#include "viva/io/video_reader.h"
#include "viva/shapes/world/shapes_dataset.h"

namespace viva::shapes {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

ShapesDatasetOptions small_dataset(const std::string& out, int64_t count) {
  ShapesDatasetOptions o;
  o.out = out;
  o.count = count;
  o.pairs.seed = 3;
  o.progress = ProgressMode::Silent;
  return o;
}

TEST(ShapesDataset, WritesAManifestThatPassesCheck) {
  TempDir dir;
  const ShapesDatasetSummary s = write_shapes_dataset(small_dataset(dir.file("d"), 40));
  EXPECT_EQ(s.pairs, 40);
  EXPECT_TRUE(check_manifest(s.manifest).problems.empty());
  const Manifest m = read_manifest(s.manifest);
  ASSERT_EQ(m.rows.size(), 40u);
  int64_t counted = 0;
  for (const auto& [task, kinds] : s.counts)
    for (const auto& [kind, splits] : kinds)
      for (const auto& [split, n] : splits) counted += n;
  EXPECT_EQ(counted, 40);
  for (const ManifestRow& r : m.rows) {
    EXPECT_TRUE(fs::exists(dir.file("d/scenes/" + r.id + ".json"))) << r.id;
    const VideoInfo info = probe_video(r.source);
    EXPECT_EQ(info.width, 64);
    EXPECT_EQ(r.kind == SampleKind::Image ? 1 : 9, read_video(r.target).frames) << r.id;
    EXPECT_EQ(r.reference.empty(), r.task.rfind("reference_", 0) != 0) << r.id;
  }
  // The GRPO triplets read back through the trainer's reader, one per video pair.
  const std::vector<GrpoPrompt> prompts = read_grpo_prompts(dir.file("d/grpo.jsonl"), "");
  int64_t videos = 0;
  for (const ManifestRow& r : m.rows) videos += r.kind == SampleKind::Video;
  EXPECT_EQ(static_cast<int64_t>(prompts.size()), videos);
  EXPECT_TRUE(fs::exists(prompts.front().source));
  EXPECT_FALSE(prompts.front().target_caption.empty());
  const nlohmann::json summary = nlohmann::json::parse(read_file(dir.file("d/summary.json")));
  EXPECT_EQ(summary.at("pairs"), 40);
  EXPECT_EQ(summary_table(s).find("| **all** | | 34 | 2 | 2 | 2 | 40 |") != std::string::npos, true)
      << summary_table(s);
}

// Without FFmpeg (a GPU machine with a pip torch) clips are folders of PNG frames.
TEST(ShapesDataset, StoresClipsAsPngFrameFoldersWhenAskedTo) {
  TempDir dir;
  ShapesDatasetOptions o = small_dataset(dir.file("d"), 12);
  o.video_extension = "";
  const ShapesDatasetSummary s = write_shapes_dataset(o);
  EXPECT_TRUE(check_manifest(s.manifest).problems.empty());
  int64_t videos = 0;
  for (const ManifestRow& r : read_manifest(s.manifest).rows) {
    if (r.kind != SampleKind::Video) continue;
    ++videos;
    for (const std::string& clip : {r.source, r.target, r.mask}) {
      ASSERT_TRUE(fs::is_directory(clip)) << clip;
      EXPECT_TRUE(fs::exists(clip + "/00008.png")) << clip;
      EXPECT_EQ(read_video(clip).frames, 9) << clip;
    }
  }
  EXPECT_GT(videos, 0);
}

TEST(ShapesDataset, RefusesAFinishedFolderAndResumesAnInterruptedRun) {
  TempDir dir;
  const std::string out = dir.file("d");
  write_shapes_dataset(small_dataset(out, 12));
  const std::string first = read_file(out + "/manifest.jsonl");
  testing::expect_error_containing([&] { write_shapes_dataset(small_dataset(out, 12)); },
                                   {"already holds a finished dataset"});

  // An interrupted run: no manifest yet, two pairs unfinished (one without its scene file, one
  // also without its target).
  const Manifest finished = read_manifest(out + "/manifest.jsonl");
  fs::remove(out + "/manifest.jsonl");
  fs::remove(out + "/scenes/shapes-000003.json");
  fs::remove(finished.rows[7].target);
  fs::remove(out + "/scenes/shapes-000007.json");
  const ShapesDatasetSummary resumed = write_shapes_dataset(small_dataset(out, 12));
  EXPECT_EQ(resumed.resumed, 10);
  EXPECT_EQ(read_file(out + "/manifest.jsonl"), first);

  fs::remove(out + "/manifest.jsonl");
  ShapesDatasetOptions other = small_dataset(out, 12);
  other.pairs.seed = 4;
  testing::expect_error_containing([&] { write_shapes_dataset(other); }, {"generation.json", "other options"});
  fs::create_directories(dir.file("busy"));
  write_file_atomically(dir.file("busy/notes.txt"), "x");
  testing::expect_error_containing([&] { write_shapes_dataset(small_dataset(dir.file("busy"), 2)); },
                                   {"busy", "not an empty folder"});
}

struct CliRun {
  int status = -1;
  std::string out, err;
};

CliRun run_viva(const TempDir& dir, const std::string& args) {
  const std::string out = dir.file("stdout.txt"), err = dir.file("stderr.txt");
  const int raw =
      std::system((std::string(VIVA_CLI_PATH) + " " + args + " >" + out + " 2>" + err + " </dev/null").c_str());
  CliRun run;
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = read_file(out);
  run.err = read_file(err);
  return run;
}

TEST(ShapesCli, GeneratesChecksAndJudgesADataset) {
  TempDir dir;
  const CliRun gen = run_viva(dir, "data shapes --out " + dir.file("d") + " --n 24 --seed 2 --jobs 2");
  ASSERT_EQ(gen.status, 0) << gen.err;
  EXPECT_NE(gen.out.find("| **all** |"), std::string::npos) << gen.out;
  const CliRun check = run_viva(dir, "data check --strict " + dir.file("d/manifest.jsonl"));
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_NE(check.out.find("24 rows, 0 bad"), std::string::npos) << check.out;

  // The targets as predictions: every instruction followed.
  fs::create_directories(dir.file("pred"));
  for (const ManifestRow& r : read_manifest(dir.file("d/manifest.jsonl")).rows)
    fs::copy_file(r.target, dir.file("pred/" + r.id + fs::path(r.target).extension().string()));
  const ManifestRow dropped = read_manifest(dir.file("d/manifest.jsonl")).rows[1];
  fs::remove(dir.file("pred/" + dropped.id + fs::path(dropped.target).extension().string()));
  const CliRun eval = run_viva(dir, "eval shapes --manifest " + dir.file("d/manifest.jsonl") + " --pred " +
                                        dir.file("pred") + " --json " + dir.file("scores.json"));
  ASSERT_EQ(eval.status, 0) << eval.err;
  const nlohmann::json scores = nlohmann::json::parse(read_file(dir.file("scores.json")));
  EXPECT_EQ(scores.at("all").at("missing"), 1);
  EXPECT_EQ(scores.at("all").at("followed"), 23);
  EXPECT_NE(eval.out.find("1 of 24 predictions missing"), std::string::npos) << eval.out;

  const CliRun bad = run_viva(dir, "eval shapes --manifest " + dir.file("nope.jsonl") + " --pred " + dir.file("pred"));
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err.rfind("viva: error: ", 0), 0u) << bad.err;
  EXPECT_NE(bad.err.find("nope.jsonl"), std::string::npos) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  const CliRun again = run_viva(dir, "data shapes --out " + dir.file("d") + " --n 24 --seed 2");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("already holds a finished dataset"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace viva::shapes
