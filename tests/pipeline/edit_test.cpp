#include <gtest/gtest.h>

#include <fstream>
#include <optional>

#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "viva/core/error.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_frames.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"
#include "viva/pipeline/edit_job.h"
#include "viva/pipeline/model_init.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

// One tiny model folder for the whole suite (writing it takes a second).
class TinyModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string tokenizers = std::string(VIVA_SHARED_DIR) + "/tokenizers";
    if (!std::filesystem::exists(tokenizers + "/llama3/tokenizer.json")) return;
    folder_ = new TempDir();
    ModelInitOptions options;
    options.tokenizers = tokenizers;
    write_initial_model(folder_->file("model"), options);
  }
  static void TearDownTestSuite() {
    delete folder_;
    folder_ = nullptr;
  }
  void SetUp() override {
    if (!folder_) VIVA_NEEDS_SHARED("test tokenizers");
  }
  static std::string model() { return folder_->file("model"); }
  static TempDir* folder_;
};
TempDir* TinyModel::folder_ = nullptr;

TEST_F(TinyModel, InitRefusesAFolderInUseAndUnknownPresets) {
  ModelInitOptions options;
  options.tokenizers = std::string(VIVA_SHARED_DIR) + "/tokenizers";
  expect_error_containing([&] { write_initial_model(model(), options); }, {"exists and is not empty"});
  options.preset = "huge";
  TempDir dir;
  expect_error_containing([&] { write_initial_model(dir.file("m"), options); }, {"unknown preset 'huge'"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("m")));
}

TEST_F(TinyModel, InitTakesAnotherTransformerArchitectureAndRefusesOtherKeys) {
  ModelInitOptions options;
  options.tokenizers = std::string(VIVA_SHARED_DIR) + "/tokenizers";
  options.transformer = {
      {"hidden_size", 96}, {"heads_num", 3}, {"mm_single_blocks_depth", 1}, {"patch_size", {1, 1, 1}}};
  TempDir dir;
  write_initial_model(dir.file("m"), options);
  VivaPipeline pipeline(dir.file("m"), torch::kCPU, torch::kFloat32);
  EXPECT_EQ(pipeline.transformer()->options.hidden_size, 96);
  EXPECT_EQ(pipeline.transformer()->options.heads, 3);
  EXPECT_EQ(pipeline.transformer()->options.single_blocks, 1);
  EXPECT_EQ(pipeline.transformer()->options.patch, (std::array<int64_t, 3>{1, 1, 1}));
  // Unchanged keys keep the preset's values.
  VivaPipeline preset(model(), torch::kCPU, torch::kFloat32);
  EXPECT_EQ(pipeline.transformer()->options.double_blocks, preset.transformer()->options.double_blocks);
  // It edits (one token per latent pixel with patch 1x1x1).
  write_video(dir.file("in.mkv"), make_test_pattern(5, 64, 64, 24));
  EditJob job;
  job.video = dir.file("in.mkv");
  job.instruction = "make it snow";
  job.output = dir.file("out.mkv");
  job.sampling = pipeline.config().sampling;
  job.sampling.steps = 2;
  const auto results = run_edit_jobs(pipeline, {job}, ProgressOptions().set_mode(ProgressMode::Silent));
  ASSERT_TRUE(results[0].error.empty()) << results[0].error;
  EXPECT_EQ(read_video(dir.file("out.mkv")).frames, 5);

  options.transformer = {{"in_channels", 8}};
  expect_error_containing([&] { write_initial_model(dir.file("m2"), options); },
                          {"transformer", "'in_channels' is not an architecture key", "hidden_size"});
  options.transformer = {{"hidden_size", 65}};  // not a multiple of the preset's 2 heads
  expect_error_containing([&] { write_initial_model(dir.file("m2"), options); }, {"transformer", "head count"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("m2")));
}

// The model works at the source's aspect ratio at its own pixel count (100x50 at 64x64's 4096
// pixels: 96x48) and the edit is written at the source's size unless asked otherwise.
TEST_F(TinyModel, EditWorksAtTheSourceAspectAndWritesAtTheAskedSize) {
  TempDir dir;
  write_video(dir.file("in.mkv"), make_test_pattern(9, 50, 100, 24));
  VivaPipeline pipeline(model(), torch::kCPU, torch::kFloat32);
  EditJob job;
  job.video = dir.file("in.mkv");
  job.instruction = "make it snow";
  job.side_by_side = dir.file("sbs.mkv");
  job.sampling = pipeline.config().sampling;
  job.sampling.steps = 3;
  // One run (the encoders are freed once every job's conditions are computed).
  std::vector<EditJob> jobs;
  const auto add = [&](const std::string& name, const std::string& output_size, std::optional<int> working) {
    EditJob j = job;
    j.output = dir.file(name + ".mkv");
    if (name != "source") j.side_by_side.clear();
    j.output_size = output_size;
    j.width = j.height = working;
    jobs.push_back(j);
  };
  add("source", "source", std::nullopt);
  add("model", "model", std::nullopt);
  add("asked", "64x32", std::nullopt);
  add("square", "model", 64);  // a working size given: centre-cropped to it
  jobs.push_back(jobs[2]);
  jobs.back().output = dir.file("odd.mp4");  // H.264 needs even sides: 99x41 is written as 98x40
  jobs.back().output_size = "99x41";
  const auto results = run_edit_jobs(pipeline, jobs, ProgressOptions().set_mode(ProgressMode::Silent));
  for (const auto& r : results) EXPECT_TRUE(r.error.empty()) << r.error;
  const auto size_of = [&](const std::string& name) {
    const VideoFrames v = read_video(dir.file(name + ".mkv"));
    return std::make_pair(v.width, v.height);
  };
  const VideoFrames out = read_video(dir.file("source.mkv"));
  EXPECT_EQ(std::make_pair(out.width, out.height), std::make_pair(100, 50));
  EXPECT_EQ(out.frames, 9);
  EXPECT_EQ(out.fps, 24.0);
  EXPECT_GE(read_video(dir.file("sbs.mkv")).width, 2 * 96);  // source | edited at the working size (with a gap)
  EXPECT_EQ(size_of("model"), std::make_pair(96, 48));
  EXPECT_EQ(size_of("asked"), std::make_pair(64, 32));
  EXPECT_EQ(size_of("square"), std::make_pair(64, 64));
  const VideoFrames odd = read_video(dir.file("odd.mp4"));
  EXPECT_EQ(std::make_pair(odd.width, odd.height), std::make_pair(98, 40));
  // The encoders are freed before the transformer comes in: never resident together.
  EXPECT_EQ(pipeline.residency(), (std::vector<std::string>{"load vae", "load instructor", "load clip", "free encoders",
                                                            "load transformer"}));
  EXPECT_THROW(check_output_size("huge", "--output-size"), Error);
}

TEST(EditSize, TheSourceAspectAtTheModelsPixelCount) {
  EXPECT_EQ(fit_aspect_to_budget(64, 64, 64 * 64), std::make_pair(64, 64));
  EXPECT_EQ(fit_aspect_to_budget(1280, 720, 64 * 64), std::make_pair(80, 48));
  EXPECT_EQ(fit_aspect_to_budget(720, 1280, 64 * 64), std::make_pair(48, 80));
  EXPECT_EQ(fit_aspect_to_budget(1920, 1080, 1280 * 720), std::make_pair(1280, 720));
  EXPECT_EQ(fit_aspect_to_budget(4000, 10, 64 * 64), std::make_pair(1280, 16));  // never below 16
  EXPECT_THROW(fit_aspect_to_budget(0, 10, 4096), Error);
}

// Edits and GRPO keep encoded conditions on the host until they sample; conditions_on moves
// every tensor there is (here to the meta device, standing in for a GPU) and keeps the absent
// ones absent.
TEST(EditConditions, MoveEveryTensorTheyHold) {
  EditConditions c;
  c.source = torch::ones({1, 4, 2, 8, 8});
  c.tokens = torch::ones({1, 6, 16});
  c.mask = torch::ones({1, 6}, torch::kBool);
  c.uncond_tokens = torch::zeros({1, 6, 16});
  c.uncond_mask = torch::ones({1, 6}, torch::kBool);
  c.pooled = torch::ones({1, 8});
  c.uncond_pooled = torch::zeros({1, 8});
  const EditConditions moved = conditions_on(c, torch::kMeta);
  EXPECT_FALSE(moved.reference.defined());
  for (const torch::Tensor* t : {&moved.source, &moved.tokens, &moved.mask, &moved.uncond_tokens, &moved.uncond_mask,
                                 &moved.pooled, &moved.uncond_pooled})
    EXPECT_TRUE(t->is_meta());
  EXPECT_EQ(moved.mask.scalar_type(), torch::kBool);
  EXPECT_EQ(moved.source.sizes(), c.source.sizes());
  c.reference = torch::ones({1, 4, 1, 8, 8});
  EXPECT_TRUE(conditions_on(c, torch::kMeta).reference.is_meta());
}

TEST_F(TinyModel, SamplingIsDeterministicForASeedAndGuidanceOneIsConditional) {
  VivaPipeline pipeline(model(), torch::kCPU, torch::kFloat32);
  const VideoFrames video = make_test_pattern(5, 64, 64, 24);
  const EditConditions c = pipeline.encode(video, "turn the ball red");
  EXPECT_EQ(c.source.sizes(), (std::vector<int64_t>{1, 4, 2, 16, 16}));
  EXPECT_EQ(c.tokens.size(1), pipeline.text_tokens());
  EXPECT_EQ(pipeline.text_tokens(), 64);  // the tiny model folder's text_tokens
  EXPECT_GT(c.mask.sum().item<int64_t>(), c.uncond_mask.sum().item<int64_t>());
  // An instruction longer than the model takes is cut (with a warning), as HunyuanVideo does.
  std::string rambling = "turn the ball red";
  for (int i = 0; i < 60; ++i) rambling += " and then a little redder";
  const EditConditions cut = pipeline.encode(video, rambling);
  EXPECT_EQ(cut.tokens.size(1), 64);
  EXPECT_EQ(cut.mask.sum().item<int64_t>(), 64);
  SamplingOptions o = pipeline.config().sampling;
  o.steps = 2;
  o.seed = 7;
  const auto a = pipeline.sample(c, o);
  EXPECT_TRUE(torch::equal(a, pipeline.sample(c, o)));
  o.seed = 8;
  EXPECT_FALSE(torch::equal(a, pipeline.sample(c, o)));

  // At guidance 1 the sample equals sampling with the conditional prediction alone.
  o.guidance = 1.0;
  EditConditions only_cond = c;
  only_cond.uncond_tokens = torch::full_like(c.uncond_tokens, std::nanf(""));  // would poison any use
  const auto guided = pipeline.sample(only_cond, o);
  EXPECT_FALSE(guided.isnan().any().item<bool>());
  EXPECT_TRUE(torch::equal(guided, pipeline.sample(c, o)));
}

// The three memory plans load in their own order and sample the same latent, bit for bit.
TEST_F(TinyModel, OffloadPlansKeepTheirResidencyOrderAndChangeNoOutput) {
  const VideoFrames video = make_test_pattern(5, 64, 64, 24);
  SamplingOptions o;
  o.steps = 2;
  auto run = [&](Offload offload, std::vector<std::string>* residency) {
    PipelineParts parts;
    parts.offload = offload;
    VivaPipeline pipeline(model(), torch::kCPU, torch::kFloat32, parts);
    const EditConditions c = pipeline.encode(video, "add a box");
    pipeline.release_encoders();
    const torch::Tensor latent = pipeline.sample(c, o);
    *residency = pipeline.residency();
    return latent;
  };
  std::vector<std::string> none, by_model, blocks;
  const torch::Tensor resident = run(Offload::None, &none);
  EXPECT_TRUE(torch::equal(run(Offload::Model, &by_model), resident));
  EXPECT_TRUE(torch::equal(run(Offload::Blocks, &blocks), resident));
  EXPECT_EQ(none, (std::vector<std::string>{"load vae", "load instructor", "load clip", "load transformer"}));
  EXPECT_EQ(by_model, (std::vector<std::string>{"load vae", "load instructor", "load clip", "free encoders", "load transformer"}));
  EXPECT_EQ(blocks, (std::vector<std::string>{"load vae", "load instructor", "load clip", "free encoders",
                                              "load transformer to host", "stream transformer blocks"}));
  expect_error_containing([] { offload_from_name("disk", "--offload"); }, {"--offload", "none, model or blocks", "disk"});
}

// bf16 on the CPU runs the whole edit (the VAE's replicate padding included, which libtorch
// 1.13's CPU kernels take in float32 only: `viva edit --dtype bf16` failed there) and decodes
// what float32 decodes, within bf16's rounding.
TEST_F(TinyModel, EditsInBf16OnTheCpuAsInFloat32) {
  const VideoFrames video = make_test_pattern(5, 64, 64, 24);
  SamplingOptions o;
  o.steps = 2;
  VideoFrames decoded[2];
  int i = 0;
  for (const auto dtype : {torch::kFloat32, torch::kBFloat16}) {
    VivaPipeline pipeline(model(), torch::kCPU, dtype);
    decoded[i++] = pipeline.decode(pipeline.sample(pipeline.encode(video, "add a box"), o), 24);
  }
  EXPECT_GT(psnr(decoded[1], decoded[0]), 30.0);  // measured 48.4 dB
}

TEST_F(TinyModel, LoraFilesApplyToTheTransformer) {
  TempDir dir;
  const VideoFrames video = make_test_pattern(5, 64, 64, 24);
  SamplingOptions o;
  o.steps = 2;
  VivaPipeline plain(model(), torch::kCPU, torch::kFloat32);
  const auto base = plain.sample(plain.encode(video, "add a box"), o);
  {
    VivaPipeline source(model(), torch::kCPU, torch::kFloat32);
    LoraOptions lo;
    lo.rank = 2;
    LoraAdapter lora(*source.transformer(), lo);
    torch::NoGradGuard no_grad;
    for (auto& p : lora.parameters()) p.add_(torch::randn_like(p) * 0.1);
    lora.save_file(dir.file("lora.safetensors"));
  }
  VivaPipeline adapted(model(), torch::kCPU, torch::kFloat32);
  adapted.apply_lora(dir.file("lora.safetensors"), 1.0);
  EXPECT_FALSE(torch::allclose(adapted.sample(adapted.encode(video, "add a box"), o), base));
  VivaPipeline off(model(), torch::kCPU, torch::kFloat32);
  off.apply_lora(dir.file("lora.safetensors"), 0.0);
  EXPECT_TRUE(torch::allclose(off.sample(off.encode(video, "add a box"), o), base, 1e-5, 1e-6));
  expect_error_containing([&] { off.apply_lora(dir.file("lora.safetensors"), 1.0); }, {"already applied"});
}

TEST_F(TinyModel, BatchGoesOnPastAFailedJob) {
  TempDir dir;
  write_video(dir.file("in.mkv"), make_test_pattern(5, 64, 64, 24));
  {
    std::ofstream jobs(dir.file("jobs.jsonl"));
    jobs << R"({"video": ")" << dir.file("missing.mp4") << R"(", "instruction": "x", "output": ")" << dir.file("a.mkv") << "\"}\n";
    jobs << R"({"video": ")" << dir.file("in.mkv") << R"(", "instruction": "add a box", "output": ")" << dir.file("b.mkv")
         << R"(", "steps": 2})" << "\n";
    jobs << R"({"video": ")" << dir.file("in.mkv") << R"(", "instruction": "x", "output": ")" << dir.file("no/c.mkv") << "\"}\n";
  }
  VivaPipeline pipeline(model(), torch::kCPU, torch::kFloat32);
  const auto jobs = read_edit_jobs(dir.file("jobs.jsonl"), EditJob{});
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[1].sampling.steps, 2);
  const auto results = run_edit_jobs(pipeline, jobs, ProgressOptions().set_mode(ProgressMode::Silent));
  EXPECT_NE(results[0].error.find("missing.mp4"), std::string::npos);
  EXPECT_TRUE(results[1].error.empty()) << results[1].error;
  EXPECT_FALSE(std::filesystem::exists(dir.file("a.mkv")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("b.mkv")));
  // A missing output folder fails the job before its video is read, encoded or sampled.
  EXPECT_NE(results[2].error.find("output folder does not exist"), std::string::npos) << results[2].error;
  EXPECT_EQ(results[2].times.read_s, 0);
  EXPECT_EQ(results[2].times.sample_s, 0);

  std::ofstream(dir.file("bad.jsonl")) << R"({"video": "v.mp4", "instruction": "x", "output": "o.mp4", "stpes": 3})" << "\n";
  expect_error_containing([&] { read_edit_jobs(dir.file("bad.jsonl"), EditJob{}); }, {"bad.jsonl:1", "stpes"});
}

// What the user gave is kept: the sound of the edited span (or none when asked), the timing,
// and a phone's rotation (the edit comes out as the source is shown).
TEST_F(TinyModel, EditKeepsTheSpansSoundAndTheSourcesRotation) {
  TempDir dir;
  VivaPipeline pipeline(model(), torch::kCPU, torch::kFloat32);
  EditJob job;
  job.video = std::string(VIVA_PROJECT_GOLDEN_DIR) + "/with_audio.mp4";
  job.instruction = "make it snow";
  job.start_s = 0.5;
  job.frames = 12;
  job.sampling = pipeline.config().sampling;
  job.sampling.steps = 1;
  job.output = dir.file("sound.mp4");
  EditJob silent = job;
  silent.output = dir.file("silent.mp4");
  silent.keep_audio = false;
  EditJob turned = job;
  turned.video = std::string(VIVA_PROJECT_GOLDEN_DIR) + "/portrait_rotated.mp4";
  turned.start_s = 0;
  turned.output = dir.file("turned.mkv");
  const auto results = run_edit_jobs(pipeline, {job, silent, turned}, ProgressOptions().set_mode(ProgressMode::Silent));
  for (const auto& r : results) ASSERT_EQ(r.error, "");
  const VideoInfo sound = probe_video(job.output);
  EXPECT_EQ(read_video(job.output).frames, 12);
  EXPECT_EQ(sound.fps, 24.0);
  EXPECT_EQ(sound.audio_codec, "aac");
  EXPECT_NEAR(sound.audio_duration_s, 0.5, 0.05);
  EXPECT_EQ(probe_video(silent.output).audio_codec, "");
  const VideoFrames upright = read_video(turned.output);
  EXPECT_EQ(std::make_pair(upright.width, upright.height), std::make_pair(32, 48));
  EXPECT_EQ(upright.frames, 6);
}

TEST_F(TinyModel, MissingOrBrokenModelFoldersNameTheProblem) {
  TempDir dir;
  expect_error_containing([&] { VivaPipeline(dir.file("nope"), torch::kCPU, torch::kFloat32); }, {"nope", "does not exist"});
  std::filesystem::create_directories(dir.file("empty"));
  expect_error_containing([&] { VivaPipeline(dir.file("empty"), torch::kCPU, torch::kFloat32); }, {"no viva.json"});
}

}  // namespace
}  // namespace viva
