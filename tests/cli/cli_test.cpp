// Runs the viva executable the way a user does and checks exit codes and messages.
#include <gtest/gtest.h>

#include "../support/cli_run.h"
#include "../support/needs_shared.h"
#include "../support/released_layout.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/core/atomic_file.h"
#include "viva/core/safetensors.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/models/vae/causal_vae.h"
#include "viva/nn/weight_loading.h"

namespace viva {
namespace {

using testing::CliRun;
using testing::expect_one_line_error;
using testing::run_viva;
using testing::TempDir;
using testing::write_bytes;

TEST(Cli, VersionAndHelp) {
  TempDir dir;
  CliRun version = run_viva(dir, "--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_NE(version.out.find("viva 0."), std::string::npos) << version.out;
  CliRun help = run_viva(dir, "--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("doctor"), std::string::npos);
  EXPECT_NE(help.out.find("inspect"), std::string::npos);
}

TEST(Cli, MissingFilesAreOneLineErrors) {
  TempDir dir;
  expect_one_line_error(run_viva(dir, "inspect " + dir.file("nope.safetensors")), "nope.safetensors");
  expect_one_line_error(run_viva(dir, "video info " + dir.file("nope.mp4")), "nope.mp4");
  expect_one_line_error(run_viva(dir, "video convert " + dir.file("nope.mp4") + " " + dir.file("out.mp4")), "nope.mp4");
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.mp4")));
}

TEST(Cli, BadInputsAreOneLineErrors) {
  TempDir dir;
  write_bytes(dir.file("bad.safetensors"), std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10));
  expect_one_line_error(run_viva(dir, "inspect " + dir.file("bad.safetensors")), "bad.safetensors");
  write_bytes(dir.file("text.mp4"), "hello\n");
  expect_one_line_error(run_viva(dir, "video info " + dir.file("text.mp4")), "text.mp4");
  expect_one_line_error(run_viva(dir, "frobnicate"), "frobnicate");
  expect_one_line_error(run_viva(dir, "video convert a.mp4"), "output");
  write_video(dir.file("clip.mkv"), make_test_pattern(3, 32, 32, 24));
  expect_one_line_error(run_viva(dir, "video convert " + dir.file("clip.mkv") + " " + dir.file("o.mp4") + " --size 30x30"),
                        "multiples of 16");
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.mp4")));
}

TEST(Cli, InspectListsTensorsAndTotals) {
  TempDir dir;
  save_safetensors(dir.file("m.safetensors"), {{"blocks.0.weight", torch::zeros({4, 8})}, {"bias", torch::zeros({8}, torch::kBFloat16)}},
                   {{"config", "{\"hidden\":8}"}});
  CliRun run = run_viva(dir, "inspect " + dir.file("m.safetensors"));
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("blocks.0.weight"), std::string::npos);
  EXPECT_NE(run.out.find("[4, 8]"), std::string::npos);
  EXPECT_NE(run.out.find("parameters: 40"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("metadata config"), std::string::npos);
  // A PyTorch pickle (tests/golden/README.md): its nested tensors; one that would run code is refused.
  run = run_viva(dir, "inspect " + std::string(VIVA_PROJECT_GOLDEN_DIR) + "/pickled_nested.pth");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("PyTorch pickle"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("model.norm.weight"), std::string::npos) << run.out;
  expect_one_line_error(run_viva(dir, "inspect " + std::string(VIVA_PROJECT_GOLDEN_DIR) + "/pickled_code.pth"),
                        "the global 'posix.system'");
}

TEST(Cli, InspectModelReportsComponentsAndPresets) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("model/transformer"));
  std::filesystem::create_directories(dir.file("model/vae"));
  HunyuanDit dit(DitOptions::tiny());
  save_parameters(*dit, dir.file("model/transformer/diffusion_pytorch_model.safetensors"));
  CausalVae vae(VaeOptions::tiny());
  save_parameters(*vae, dir.file("model/vae/diffusion_pytorch_model.safetensors"));
  CliRun run = run_viva(dir, "inspect --model " + dir.file("model"));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("transformer: HunyuanVideo DiT"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("custom (hidden 64, 2 double + 2 single blocks, 4 latent channels)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("vae: causal 3D VAE"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("custom (blocks [16, 32, 32], 4 latent channels)"), std::string::npos) << run.out;
  int64_t dit_params = 0;
  for (const auto& p : dit->parameters()) dit_params += p.numel();
  EXPECT_NE(run.out.find(std::to_string(dit_params % 1000)), std::string::npos);
  expect_one_line_error(run_viva(dir, "inspect --model " + dir.file("empty")), "empty");
  expect_one_line_error(run_viva(dir, "inspect"), "--model");
}

TEST(Cli, VideoConvertResizesAndConformsFrames) {
  TempDir dir;
  write_video(dir.file("in.mp4"), make_test_pattern(12, 40, 60, 24));
  CliRun run = run_viva(dir, "video convert " + dir.file("in.mp4") + " " + dir.file("out.mp4") +
                              " --size 32x32 --vae-frames truncate");
  ASSERT_EQ(run.status, 0) << run.err;
  const VideoFrames out = read_video(dir.file("out.mp4"));
  EXPECT_EQ(out.frames, 9);
  EXPECT_EQ(out.width, 32);
  EXPECT_EQ(out.height, 32);
  CliRun info = run_viva(dir, "video info " + dir.file("out.mp4"));
  EXPECT_EQ(info.status, 0);
  EXPECT_NE(info.out.find("32x32"), std::string::npos);
}

TEST(Cli, EditDataAndTrainErrorsAreOneLine) {
  TempDir dir;
  // An edit of a clip that need not exist, with a model that does not: what fails first is named.
  const auto edit = [&](const std::string& flags, const std::string& out = "o.mp4") {
    return run_viva(dir, "edit " + dir.file("in.mp4") + " \"make it snow\" -o " + dir.file(out) + flags + " --model " +
                             dir.file("nomodel"));
  };
  expect_one_line_error(edit(""), "nomodel");
  expect_one_line_error(run_viva(dir, "edit --model " + dir.file("nomodel")), "INSTRUCTION");
  // Windows that break the 4k+1 rules are refused before the model loads.
  expect_one_line_error(edit(" --window 8"), "window must be 4k+1");
  expect_one_line_error(edit(" --window 9 --overlap 9"), "overlap must be 4m+1");
  // A missing output folder is found before the model loads (even before a missing model).
  expect_one_line_error(edit("", "no/o.mp4"), "output folder does not exist");
  expect_one_line_error(run_viva(dir, "data encode " + dir.file("m.jsonl") + " --model " + dir.file("nomodel") +
                                          " --out " + dir.file("cache")),
                        "nomodel");
  expect_one_line_error(run_viva(dir, "eval loss --model " + dir.file("nomodel") + " --cache " + dir.file("nocache")),
                        "nocache");
  expect_one_line_error(run_viva(dir, "train sft --config " + dir.file("run.json")), "run.json");
  write_bytes(dir.file("run.json"), "{\"model\": \"m\", \"cache\": \"c\", \"out\": \"o\", \"stepz\": 3}");
  expect_one_line_error(run_viva(dir, "train sft --config " + dir.file("run.json")), "stepz");
  expect_one_line_error(run_viva(dir, "model init --out " + dir.file("m") + " --tokenizers " + dir.file("none")),
                        "tokenizer");
  EXPECT_FALSE(std::filesystem::exists(dir.file("m")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.mp4")));
}

// `data check` reports bad rows and exits 0; with --strict it exits 1 without an error line of its own.
TEST(Cli, DataCheckExitsOneOnBadRowsOnlyWhenStrict) {
  TempDir dir;
  write_bytes(dir.file("m.jsonl"), "{\"id\": \"a\", \"source\": \"" + dir.file("gone.mp4") +
                                       "\", \"target\": \"" + dir.file("gone2.mp4") + "\", \"instruction\": \"x\"}\n");
  const CliRun plain = run_viva(dir, "data check " + dir.file("m.jsonl"));
  EXPECT_EQ(plain.status, 0) << plain.err;
  EXPECT_NE(plain.out.find("1 rows, 1 bad"), std::string::npos) << plain.out;
  const CliRun strict = run_viva(dir, "data check --strict " + dir.file("m.jsonl"));
  EXPECT_EQ(strict.status, 1);
  EXPECT_NE(strict.out.find("1 rows, 1 bad"), std::string::npos) << strict.out;
  EXPECT_EQ(strict.err, "");
}

// `eval model` edits a manifest's rows with a model (or passes their targets through its VAE) and
// judges them: here the shipped model on four fresh ShapesWorld pairs.
TEST(Cli, ModelInitFromReleasedWeightsAndInspectNamesEachSource) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const testing::ReleasedFolders released = testing::write_released_layout(
      dir.file("released"), testing::architecture_of(testing::write_tiny_model(dir)), testing::test_tokenizers());
  const std::string init = "model init --out " + dir.file("viva") + " --from-t2v " + released.t2v;
  expect_one_line_error(run_viva(dir, init), "--instructor");
  const CliRun made = run_viva(dir, init + " --instructor " + released.instructor);
  ASSERT_EQ(made.status, 0) << made.err;
  EXPECT_NE(made.out.find("2 released shards linked, 4 VIVA tensors added"), std::string::npos) << made.out;
  const CliRun inspected = run_viva(dir, "inspect --model " + dir.file("viva"));
  ASSERT_EQ(inspected.status, 0) << inspected.err;
  EXPECT_NE(inspected.out.find("transformer: HunyuanVideo DiT"), std::string::npos) << inspected.out;
  EXPECT_NE(inspected.out.find("vae: causal 3D VAE"), std::string::npos) << inspected.out;
  EXPECT_NE(inspected.out.find("vlm: LLaVA"), std::string::npos) << inspected.out;
  EXPECT_NE(inspected.out.find("clip_text: CLIP"), std::string::npos) << inspected.out;
  EXPECT_NE(inspected.out.find(released.instructor + " (referenced)"), std::string::npos) << inspected.out;
  expect_one_line_error(run_viva(dir, "model init --out " + dir.file("other") + " --from-t2v " + dir.file("nowhere") +
                                          " --instructor " + released.instructor),
                        "nowhere");
}

TEST(Cli, EvalModelEditsAndJudgesShapesRows) {
  TempDir dir;
  const std::string model = std::string(VIVA_PROJECT_DIR) + "/models/shapes";
  const CliRun data = run_viva(dir, "data shapes --out " + dir.file("data") + " --n 4 --seed 3 --image-fraction 1");
  ASSERT_EQ(data.status, 0) << data.err;
  const std::string common =
      "eval model --model " + model + " --manifest " + dir.file("data/manifest.jsonl") + " --out " + dir.file("eval");
  const CliRun ceiling = run_viva(dir, common + " --max-rows 2 --vae-ceiling");
  ASSERT_EQ(ceiling.status, 0) << ceiling.err;
  EXPECT_NE(ceiling.out.find("| all | 2 |"), std::string::npos) << ceiling.out;
  EXPECT_TRUE(std::filesystem::exists(dir.file("eval/all_vae_ceiling.json")));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.file("eval/all_vae_ceiling")),
                          std::filesystem::directory_iterator()),
            2);
  const CliRun edit = run_viva(dir, common + " --max-rows 1 --steps 2");
  ASSERT_EQ(edit.status, 0) << edit.err;
  EXPECT_NE(edit.out.find("| all | 1 |"), std::string::npos) << edit.out;
  EXPECT_TRUE(std::filesystem::exists(dir.file("eval/all.json")));
  expect_one_line_error(run_viva(dir, "eval model --model " + model + " --manifest " + dir.file("none.jsonl") +
                                          " --out " + dir.file("eval2")),
                        "none.jsonl");
}

}  // namespace
}  // namespace viva
