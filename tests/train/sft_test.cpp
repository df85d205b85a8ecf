#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/data/encode_dataset.h"
#include "viva/data/toy_pairs.h"
#include "viva/diffusion/flow_schedule.h"
#include "viva/pipeline/viva_pipeline.h"
#include "viva/train/batch_sampler.h"
#include "viva/train/flow_loss_report.h"
#include "viva/train/sft_trainer.h"
#include "viva/train/vae_trainer.h"

namespace viva {
namespace {

using testing::expect_error_containing;
namespace fs = std::filesystem;
using testing::TempDir;

// Copies the cache at `from` to `to` with the rows that `scene_wide` picks turned into background
// edits (the cache index's task), for tests of what the task changes.
void copy_cache_making_scene_wide(const std::string& from, const std::string& to,
                                  const std::function<bool(int64_t row)>& scene_wide) {
  fs::copy(from, to, fs::copy_options::recursive);
  std::ifstream in(to + "/index.jsonl");
  std::string line, text;
  for (int64_t row = 0; std::getline(in, line); ++row) {
    auto j = nlohmann::json::parse(line);
    if (scene_wide(row)) j["task"] = "background";
    text += j.dump() + "\n";
  }
  in.close();
  std::ofstream(to + "/index.jsonl") << text;
}

// Zeroes the DiT's parameters whose names start with `prefix` (a layer whose output is then 0).
void zero_transformer_parameters(VivaPipeline& pipeline, const std::string& prefix) {
  torch::NoGradGuard no_grad;
  for (auto& p : pipeline.transformer()->named_parameters())
    if (p.key().rfind(prefix, 0) == 0) p.value().zero_();
}

class Sft : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::have_test_tokenizers()) return;
    dir_ = new TempDir();
    model_ = testing::write_tiny_model(*dir_);
    VivaPipeline pipeline(model_, torch::kCPU, torch::kFloat32);
    EncodeDatasetOptions o;
    o.manifest = write_inversion_pairs(dir_->file("pairs"), 4);
    o.out = dir_->file("cache");
    o.shard_size = 3;
    o.progress.set_mode(ProgressMode::Silent);
    summary_ = encode_dataset(pipeline, o);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!dir_) GTEST_SKIP() << "test tokenizers absent";
  }
  SftConfig config(const std::string& out) const {
    SftConfig c;
    c.model = model_;
    c.cache = dir_->file("cache");
    c.out = out;
    c.steps = 6;
    c.lr = 1e-3;
    c.batch_size = 2;
    c.grad_accum = 2;
    c.warmup = 2;
    c.ema = 0.9;
    c.checkpoint_every = 2;
    return c;
  }
  static TempDir* dir_;
  static std::string model_;
  static EncodeSummary summary_;
};
TempDir* Sft::dir_ = nullptr;
std::string Sft::model_;
EncodeSummary Sft::summary_;

TEST_F(Sft, EncodeCachesEveryPairWithMasksOnTheLatentGrid) {
  EXPECT_EQ(summary_.encoded, 4);
  EXPECT_EQ(summary_.failed, 0);
  const ConditionCache cache(dir_->file("cache"));
  ASSERT_EQ(cache.size(), 4);
  const CachedSample video = cache.load(0), image = cache.load(3);
  EXPECT_EQ(video.target.sizes(), (std::vector<int64_t>{4, 3, 16, 16}));
  EXPECT_EQ(image.target.sizes(), (std::vector<int64_t>{4, 1, 16, 16}));
  EXPECT_EQ(video.mask.sizes(), (std::vector<int64_t>{1, 3, 16, 16}));
  // Pixel box x 8..39, y 16..47 -> latent columns 2..9, rows 4..11 (4x spatial compression).
  EXPECT_EQ(video.mask.sum().item<double>(), 3 * 8 * 8);
  EXPECT_EQ(video.mask[0][1][4][2].item<float>(), 1.0f);
  EXPECT_EQ(video.mask[0][1][3][2].item<float>(), 0.0f);
  EXPECT_GT(video.tokens.size(0), video.uncond_tokens.size(0));

  // A second run finds everything cached; a broken row is reported and skipped.
  std::filesystem::copy_file(dir_->file("pairs/manifest.jsonl"), dir_->file("pairs/more.jsonl"));
  std::ofstream(dir_->file("pairs/more.jsonl"), std::ios::app)
      << R"({"id": "broken", "kind": "video", "task": "add", "source": "nope.mp4", "target": "nope.mp4", "instruction": "x"})"
      << "\n{not json\n";
  VivaPipeline pipeline(model_, torch::kCPU, torch::kFloat32);
  EncodeDatasetOptions o;
  o.manifest = dir_->file("pairs/more.jsonl");
  o.out = dir_->file("cache");
  o.progress.set_mode(ProgressMode::Silent);
  const EncodeSummary again = encode_dataset(pipeline, o);
  EXPECT_EQ(again.already_cached, 4);
  EXPECT_EQ(again.encoded, 0);
  EXPECT_EQ(again.failed, 2);
  EXPECT_EQ(ConditionCache(dir_->file("cache")).size(), 4);

  // A kill while appending to the index leaves a torn last line: readers skip it and the
  // writer drops it.
  std::ofstream(dir_->file("cache/index.jsonl"), std::ios::app) << R"({"id": "pai)";
  EXPECT_EQ(ConditionCache(dir_->file("cache")).size(), 4);
  EXPECT_EQ(ConditionCacheWriter(dir_->file("cache"), 4).cached(), 4);
  EXPECT_EQ(ConditionCache(dir_->file("cache")).size(), 4);
}

TEST_F(Sft, ResumedRunEqualsUninterruptedRun) {
  TempDir runs;
  const SftResult whole = train_sft(config(runs.file("whole")), SftRunOptions{});
  ASSERT_TRUE(whole.finished);
  SftRunOptions first;
  first.stop_after = 3;  // stops mid-interval: a checkpoint is written at step 3
  const SftResult part = train_sft(config(runs.file("split")), first);
  EXPECT_FALSE(part.finished);
  EXPECT_EQ(part.end_step, 3);
  expect_error_containing([&] { train_sft(config(runs.file("split")), SftRunOptions{}); }, {"--resume"});
  SftRunOptions resume;
  resume.resume = true;
  const SftResult rest = train_sft(config(runs.file("split")), resume);
  ASSERT_TRUE(rest.finished);
  EXPECT_EQ(rest.start_step, 3);

  const Checkpoint a(runs.file("whole/model/transformer/diffusion_pytorch_model.safetensors"));
  const Checkpoint b(runs.file("split/model/transformer/diffusion_pytorch_model.safetensors"));
  ASSERT_EQ(a.names(), b.names());
  for (const auto& name : a.names()) EXPECT_TRUE(torch::equal(a.load(name), b.load(name))) << name;
  EXPECT_TRUE(std::filesystem::exists(runs.file("split/loss.png")));
  // Only the newest checkpoints are kept.
  int kept = 0;
  for (const auto& e : std::filesystem::directory_iterator(runs.file("split/checkpoints"))) kept += e.is_directory();
  EXPECT_EQ(kept, 2);
}

TEST_F(Sft, ASpentTimeBudgetFinishesTheRunWithItsModel) {
  TempDir runs;
  SftConfig c = config(runs.file("timed"));
  c.max_minutes = 1e-9;  // spent by the end of the first step
  const SftResult r = train_sft(c, SftRunOptions{});
  ASSERT_TRUE(r.finished);
  EXPECT_EQ(r.end_step, 1);
  EXPECT_TRUE(std::filesystem::exists(runs.file("timed/model/transformer/diffusion_pytorch_model.safetensors")));
  const nlohmann::json state = load_json_file(runs.file("timed/checkpoints/step-00000001/state.json"));
  EXPECT_GT(state.at("elapsed_s").get<double>(), 0);
}

TEST_F(Sft, LossFallsWhenOverfittingAFewPairs) {
  TempDir runs;
  SftConfig c = config(runs.file("fit"));
  c.steps = 80;
  c.lr = 2e-3;
  c.ema = 0;
  c.warmup = 5;
  c.instruction_dropout = 0;
  c.checkpoint_every = 1000;
  const SftResult r = train_sft(c, SftRunOptions{});
  ASSERT_TRUE(r.finished);
  // Average the logged losses over the first and last ten steps (σ varies per step).
  std::ifstream in(runs.file("fit/metrics.jsonl"));
  std::vector<double> losses;
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j["event"] == "step") losses.push_back(j["loss"].get<double>());
  }
  ASSERT_EQ(losses.size(), 80u);
  double early = 0, late = 0;
  for (int i = 0; i < 10; ++i) early += losses[static_cast<std::size_t>(i)], late += losses[losses.size() - 1 - static_cast<std::size_t>(i)];
  EXPECT_LT(late, early / 3) << "early " << early / 10 << " late " << late / 10;
}

// With its output layer zeroed the DiT predicts v = 0, so its loss is E[(noise - x0)^2] at every
// noise level, with or without the instruction; the copy baseline is E[(x0 - source)^2], and its
// change from copying E[(noise - source)^2]. All are computed here from the cached tensors,
// inside and outside the mask separately.
TEST_F(Sft, FlowLossReportSplitsTheErrorByTheEditMask) {
  VivaPipeline pipeline(model_, torch::kCPU, torch::kFloat32, PipelineParts::transformer_only());
  zero_transformer_parameters(pipeline, "final_layer.");
  const ConditionCache cache(dir_->file("cache"));
  FlowLossOptions o;
  o.sigmas = {0.3, 0.9};
  o.seed = 7;
  const FlowLossReport report = measure_flow_loss(pipeline, cache, o);
  ASSERT_EQ(report.samples, cache.size());
  ASSERT_TRUE(report.has_source);
  double zero_in = 0, zero_out = 0, copy_in = 0, copy_out = 0, change_in = 0, in = 0, out = 0;
  for (int64_t i = 0; i < cache.size(); ++i) {
    const CachedSample s = cache.load(i);
    torch::Generator g = at::detail::createCPUGenerator(o.seed + static_cast<uint64_t>(i));
    const auto x0 = s.target.unsqueeze(0);
    const auto noise = torch::randn(x0.sizes(), g, torch::kFloat32);
    const auto mask = s.mask.unsqueeze(0).expand_as(x0);
    const auto zero = (noise - x0).pow(2), copy = (x0 - s.source.unsqueeze(0)).pow(2);
    zero_in += (zero * mask).sum().item<double>(), zero_out += (zero * (1 - mask)).sum().item<double>();
    copy_in += (copy * mask).sum().item<double>(), copy_out += (copy * (1 - mask)).sum().item<double>();
    change_in += ((noise - s.source.unsqueeze(0)).pow(2) * mask).sum().item<double>();
    in += mask.sum().item<double>(), out += (1 - mask).sum().item<double>();
  }
  ASSERT_GT(in, 0);
  ASSERT_GT(out, 0);
  EXPECT_NEAR(report.mask_share, in / (in + out), 1e-9);
  for (const FlowLossRow& r : report.rows) {
    EXPECT_NEAR(r.model_inside, zero_in / in, 1e-4) << r.sigma;
    EXPECT_NEAR(r.model_outside, zero_out / out, 1e-4) << r.sigma;
    EXPECT_NEAR(r.unconditional_inside, zero_in / in, 1e-4) << r.sigma;
    EXPECT_NEAR(r.copy_inside, copy_in / in, 1e-5) << r.sigma;
    EXPECT_NEAR(r.copy_outside, copy_out / out, 1e-5) << r.sigma;
    EXPECT_NEAR(r.change_inside, change_in / in, 1e-4) << r.sigma;
    EXPECT_NEAR(r.unconditional_change_inside, change_in / in, 1e-4) << r.sigma;
  }
  EXPECT_GT(report.rows[0].copy_inside, 2 * report.rows[0].copy_outside);  // the pairs edit inside the mask
  EXPECT_NE(report.table().find("copy source"), std::string::npos);
  EXPECT_EQ(report.to_json()["rows"].size(), 2u);
  o.sigmas = {1.5};
  EXPECT_THROW(measure_flow_loss(pipeline, cache, o), Error);
}

// --tasks keeps the samples of the named tasks (the cache index's), each with the noise it has
// unfiltered, so a filtered report is the unfiltered one over fewer samples.
TEST_F(Sft, FlowLossReportKeepsOnlyTheNamedTasks) {
  TempDir dir;
  copy_cache_making_scene_wide(dir_->file("cache"), dir.file("cache"), [](int64_t row) { return row == 1 || row == 2; });
  VivaPipeline pipeline(model_, torch::kCPU, torch::kFloat32, PipelineParts::transformer_only());
  const ConditionCache cache(dir.file("cache"));
  ASSERT_EQ(cache.size(), 4);
  EXPECT_EQ(cache.task(1), "background");
  FlowLossOptions o;
  o.sigmas = {0.6};
  const FlowLossReport all = measure_flow_loss(pipeline, cache, o);
  o.tasks = {"attribute"};
  const FlowLossReport objects = measure_flow_loss(pipeline, cache, o);
  o.tasks = {"background"};
  const FlowLossReport scenes = measure_flow_loss(pipeline, cache, o);
  EXPECT_EQ(objects.samples, 2);
  EXPECT_EQ(scenes.samples, 2);
  EXPECT_NE(scenes.table().find("tasks background"), std::string::npos);
  EXPECT_EQ(objects.to_json()["tasks"], nlohmann::json::array({"attribute"}));
  double copy_outside = 0, outside = 0;  // over rows 0 and 3, the ones still "attribute"
  for (const int64_t i : {0, 3}) {
    const CachedSample s = cache.load(i);
    const auto outside_mask = 1 - s.mask.expand_as(s.target);
    copy_outside += ((s.target - s.source).pow(2) * outside_mask).sum().item<double>();
    outside += outside_mask.sum().item<double>();
  }
  EXPECT_NEAR(objects.rows[0].copy_outside, copy_outside / outside, 1e-5);
  EXPECT_NE(objects.rows[0].copy_outside, all.rows[0].copy_outside);
  o.tasks = {"add"};
  expect_error_containing([&] { measure_flow_loss(pipeline, cache, o); }, {"no samples of the tasks add"});
  o.tasks = {"attribute", "background"};
  o.max_rows = 3;
  EXPECT_EQ(measure_flow_loss(pipeline, cache, o).samples, 3);
}

// --without tokens / pooled drop one path of the condition. With the pooled vector's embedder
// zeroed the pooled vector reaches nothing, so dropping it changes nothing and dropping the tokens
// is dropping the whole instruction.
TEST_F(Sft, FlowLossReportDropsOnePathOfTheCondition) {
  VivaPipeline pipeline(model_, torch::kCPU, torch::kFloat32, PipelineParts::transformer_only());
  zero_transformer_parameters(pipeline, "vector_in.");
  const ConditionCache cache(dir_->file("cache"));
  FlowLossOptions o;
  o.sigmas = {0.9};
  const FlowLossReport whole = measure_flow_loss(pipeline, cache, o);
  o.drop = FlowLossOptions::Drop::pooled;
  const FlowLossReport pooled = measure_flow_loss(pipeline, cache, o);
  o.drop = FlowLossOptions::Drop::tokens;
  const FlowLossReport tokens = measure_flow_loss(pipeline, cache, o);
  const FlowLossRow &w = whole.rows[0], &p = pooled.rows[0], &t = tokens.rows[0];
  EXPECT_GT(std::abs(w.unconditional_inside - w.model_inside), 1e-6);  // the tokens do matter
  EXPECT_NEAR(p.unconditional_inside, p.model_inside, 1e-6);
  EXPECT_NEAR(p.unconditional_outside, p.model_outside, 1e-6);
  EXPECT_NEAR(t.unconditional_inside, w.unconditional_inside, 1e-6);
  EXPECT_NEAR(t.unconditional_change_inside, w.unconditional_change_inside, 1e-6);
  EXPECT_NE(tokens.table().find("drops only the instruction's tokens"), std::string::npos);
  EXPECT_EQ(pooled.to_json()["without"], "pooled");
  EXPECT_EQ(parse_flow_loss_drop("tokens"), FlowLossOptions::Drop::tokens);
  expect_error_containing([] { parse_flow_loss_drop("text"); }, {"'text'", "instruction, tokens or pooled"});
}

// Task weights: weight 0 leaves a task out, weight 3 makes its samples three times as likely as
// the others' of the same kind.
TEST_F(Sft, BatchSamplerWeighsTasks) {
  TempDir dir;
  const ConditionCache original(dir_->file("cache"));
  ASSERT_EQ(original.kind(0), SampleKind::Video);
  int64_t videos = 0;
  for (int64_t i = 0; i < original.size(); ++i) videos += original.kind(i) == SampleKind::Video;
  copy_cache_making_scene_wide(dir_->file("cache"), dir.file("cache"), [&](int64_t row) {
    return row > 0 && original.kind(row) == SampleKind::Video;  // every video but row 0
  });
  ASSERT_GE(videos, 2);
  const ConditionCache cache(dir.file("cache"));
  // With video probability 1 only the videos are drawn: row 0 and videos - 1 scene-wide ones.
  const auto background_share = [&](const std::map<std::string, double>& weights) {
    const BatchSampler sampler(cache, 1.0, weights);
    torch::Generator g = at::detail::createCPUGenerator(3);
    int64_t background = 0, total = 0;
    for (int draw = 0; draw < 1000; ++draw)
      for (const int64_t i : sampler.draw(1, g)) background += cache.task(i) == "background", ++total;
    return static_cast<double>(background) / static_cast<double>(total);
  };
  EXPECT_EQ(background_share({{"background", 0}}), 0.0);
  const double scene_wide = static_cast<double>(videos - 1);
  EXPECT_NEAR(background_share({}), scene_wide / (scene_wide + 1), 0.05);
  EXPECT_NEAR(background_share({{"background", 3}}), 3 * scene_wide / (3 * scene_wide + 1), 0.05);
  EXPECT_EQ(BatchSampler(cache, 0.5, {{"background", 0}}).video_samples(), 1);
  std::map<std::string, double> none;
  for (int64_t i = 0; i < cache.size(); ++i) none[cache.task(i)] = 0;
  expect_error_containing([&] { BatchSampler(cache, 0.5, none); }, {"leave out every sample"});
  expect_error_containing([&] { BatchSampler(cache, 0.5, {{"attribute", -1}}); }, {"'attribute'", ">= 0"});
  std::ofstream(dir.file("run.json")) << R"({"model": "m", "cache": "c", "out": "o", "task_weights": {"style": -2}})";
  expect_error_containing([&] { SftConfig::read(dir.file("run.json")); }, {"run.json", "task_weights", "'style'"});
  std::ofstream(dir.file("run2.json")) << R"({"model": "m", "cache": "c", "out": "o", "task_weights": {"style": 0.5}})";
  EXPECT_EQ(SftConfig::read(dir.file("run2.json")).to_json()["task_weights"]["style"], 0.5);
}

// The weight the EMA still gives the initial weights after n steps is the product of the decays.
TEST(SftEma, WarmsUpSoAShortRunForgetsItsStartingWeights) {
  EXPECT_NEAR(ema_decay(0.999, 1), 2.0 / 11.0, 1e-12);
  EXPECT_EQ(ema_decay(0.999, 100000), 0.999);
  EXPECT_EQ(ema_decay(0.0, 5), 0.0);
  double initial_share = 1;
  for (int64_t step = 1; step <= 1200; ++step) initial_share *= ema_decay(0.999, step);
  EXPECT_LT(initial_share, 1e-3);  // a plain 0.999 would leave 0.30
}

TEST_F(Sft, ConfigErrorsNameTheKeyAndTheFile) {
  TempDir dir;
  std::ofstream(dir.file("run.json")) << R"({"model": "m", "cache": "c", "out": "o", "learning_rate": 1})";
  expect_error_containing([&] { SftConfig::read(dir.file("run.json")); }, {"run.json", "learning_rate"});
  std::ofstream(dir.file("run2.json")) << R"({"model": "m", "cache": "c", "out": "o", "steps": 0})";
  expect_error_containing([&] { SftConfig::read(dir.file("run2.json")); }, {"run2.json", "steps must be >= 1"});
  std::ofstream(dir.file("run3.json")) << R"({"model": "m", "cache": "c", "out": "o", "high_noise_fraction": 1.5})";
  expect_error_containing([&] { SftConfig::read(dir.file("run3.json")); }, {"run3.json", "high_noise_fraction"});
}

TEST_F(Sft, VaeTrainingResumesExactlyAndRefitsTheScalingFactor) {
  TempDir runs;
  auto config = [&](const std::string& out) {
    VaeTrainConfig c;
    c.model = model_;
    c.manifest = dir_->file("pairs/manifest.jsonl");
    c.out = runs.file(out);
    c.steps = 4;
    c.crop = 16;
    c.checkpoint_every = 100;
    return c;
  };
  const ProgressOptions quiet = ProgressOptions().set_mode(ProgressMode::Silent);
  const VaeTrainResult whole = train_vae(config("whole"), false, 0, quiet);
  ASSERT_TRUE(whole.finished);
  EXPECT_FALSE(train_vae(config("split"), false, 2, quiet).finished);
  const VaeTrainResult rest = train_vae(config("split"), true, 0, quiet);
  ASSERT_TRUE(rest.finished);
  EXPECT_EQ(rest.start_step, 2);
  const Checkpoint a(runs.file("whole/model/vae/diffusion_pytorch_model.safetensors"));
  const Checkpoint b(runs.file("split/model/vae/diffusion_pytorch_model.safetensors"));
  for (const auto& name : a.names()) EXPECT_TRUE(torch::equal(a.load(name), b.load(name))) << name;
  const auto vae_config = load_json_file(runs.file("whole/model/vae/config.json"));
  EXPECT_NEAR(vae_config["scaling_factor"].get<double>(), whole.scaling_factor, 1e-9);
  EXPECT_GT(whole.scaling_factor, 0);
  // A fresh VAE of another size replaces the model's in the output folder.
  VaeTrainConfig fresh = config("fresh");
  fresh.steps = 1;
  fresh.reconstruction = "l1";
  fresh.architecture = {{"block_out_channels", {8, 16, 16}}, {"layers_per_block", 1}, {"latent_channels", 4},
                        {"norm_num_groups", 8}, {"spatial_compression_ratio", 4}, {"temporal_compression_ratio", 4}};
  const VaeTrainResult small = train_vae(fresh, false, 0, quiet);
  EXPECT_EQ(load_json_file(runs.file("fresh/model/vae/config.json"))["block_out_channels"],
            nlohmann::json({8, 16, 16}));
  EXPECT_NO_THROW(VivaPipeline(small.model_folder, torch::kCPU, torch::kFloat32));
  // Trained weights from elsewhere (a GPU run): 0 steps measures them and keeps them as they are.
  VaeTrainConfig imported = config("imported");
  imported.steps = 0;
  imported.weights = runs.file("fresh/model/vae");
  const VaeTrainResult measured = train_vae(imported, false, 0, quiet);
  ASSERT_TRUE(measured.finished);
  EXPECT_NEAR(measured.psnr_db, small.psnr_db, 1e-6);
  const Checkpoint f(runs.file("fresh/model/vae/diffusion_pytorch_model.safetensors"));
  const Checkpoint g(runs.file("imported/model/vae/diffusion_pytorch_model.safetensors"));
  for (const auto& name : f.names()) EXPECT_TRUE(torch::equal(f.load(name), g.load(name))) << name;
  // Decoder only: the encoder and the scaling factor stay, so the latents a DiT learnt do too.
  VaeTrainConfig decoder = config("decoder");
  decoder.steps = 2;
  decoder.lr = 1e-2;
  decoder.decoder_only = true;
  decoder.weights = runs.file("whole/model/vae");
  const VaeTrainResult decoded = train_vae(decoder, false, 0, quiet);
  ASSERT_TRUE(decoded.finished);
  EXPECT_EQ(decoded.scaling_factor, whole.scaling_factor);
  EXPECT_EQ(load_json_file(runs.file("decoder/model/vae/config.json"))["scaling_factor"].get<double>(),
            whole.scaling_factor);
  const Checkpoint d(runs.file("decoder/model/vae/diffusion_pytorch_model.safetensors"));
  int changed = 0;
  for (const auto& name : a.names()) {
    const bool same = torch::equal(a.load(name), d.load(name));
    if (name.rfind("encoder.", 0) == 0 || name.rfind("quant_conv.", 0) == 0) EXPECT_TRUE(same) << name;
    else changed += same ? 0 : 1;
  }
  EXPECT_GT(changed, 0);
  std::ofstream(runs.file("fresh_decoder.json")) << R"({"model": "m", "manifest": "x.jsonl", "out": "o",
                                               "decoder_only": true, "architecture": {"latent_channels": 4}})";
  expect_error_containing([&] { VaeTrainConfig::read(runs.file("fresh_decoder.json")); },
                          {"fresh_decoder.json", "decoder_only"});
  std::ofstream(runs.file("both.json")) << R"({"model": "m", "manifest": "x.jsonl", "out": "o", "weights": "w",
                                               "architecture": {"latent_channels": 4}})";
  expect_error_containing([&] { VaeTrainConfig::read(runs.file("both.json")); }, {"both.json", "not both"});
  std::ofstream(runs.file("vae.json")) << R"({"model": "m", "manifest": "x.jsonl", "out": "o", "reconstruction": "l2"})";
  expect_error_containing([&] { VaeTrainConfig::read(runs.file("vae.json")); }, {"vae.json", "reconstruction", "l2"});
  // The trained model folder edits (it shares every other component with the base).
  VivaPipeline pipeline(whole.model_folder, torch::kCPU, torch::kFloat32);
  EXPECT_EQ(pipeline.vae()->options.scaling_factor, whole.scaling_factor);
}

}  // namespace
}  // namespace viva
