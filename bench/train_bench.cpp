// Training and editing benchmark on the tiny preset: SFT steps/s against a bare forward+backward
// of the same DiT on the same batch shape, `viva edit` latency per stage with the sampling
// stage against its floor (steps x 2 DiT forwards for guidance), and an Edit-GRPO step split
// into its phases with the group sampling against its floor (steps x 2 forwards of batch G),
// all measured in the same run.
// Usage: viva_bench_train [TOKENIZERS_DIR]   (default: ../shared/tokenizers beside the source)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "viva/data/toy_pairs.h"
#include "viva/pipeline/edit_job.h"
#include "viva/pipeline/encode_dataset.h"
#include "viva/pipeline/model_init.h"
#include "viva/train/grpo_trainer.h"
#include "viva/train/sft_trainer.h"

namespace {

double seconds(const std::function<void()>& body) {
  const auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace viva;
  const fs::path dir = fs::temp_directory_path() / ("viva-bench-train-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ModelInitOptions init;
  init.tokenizers = argc > 1 ? argv[1] : VIVA_SHARED_DIR "/tokenizers";
  const std::string model = (dir / "model").string();
  write_initial_model(model, init);
  const std::string manifest = write_inversion_pairs((dir / "pairs").string(), 4);
  const ProgressOptions quiet = ProgressOptions().set_mode(ProgressMode::Silent);

  double encode_s = 0;
  {
    VivaPipeline pipeline(model, torch::kCPU, torch::kFloat32);
    EncodeDatasetOptions o;
    o.manifest = manifest;
    o.out = (dir / "cache").string();
    o.progress = quiet;
    encode_s = seconds([&] { encode_dataset(pipeline, o); });
  }
  std::printf("data encode: %.3f s per sample (4 samples, 64x64, 9-frame videos and images)\n", encode_s / 4);

  // SFT: 20 steps of batch 2 (video batches only, to match the baseline's shape).
  SftConfig c;
  c.model = model;
  c.cache = (dir / "cache").string();
  c.out = (dir / "run").string();
  c.steps = 20;
  c.batch_size = 2;
  c.video_probability = 1.0;
  c.checkpoint_every = 1000;
  TrainRunOptions run;
  run.progress = quiet;
  const double train_s = seconds([&] { train_sft(c, run); });
  // Baseline: forward + backward of the same DiT on a batch of the same shape, nothing else.
  VivaPipeline dit_only(model, torch::kCPU, torch::kFloat32, PipelineParts::transformer_only());
  const auto x = torch::randn({2, 4, 3, 16, 16});
  const auto tokens = torch::randn({2, 24, dit_only.transformer()->options.text_dim});
  const auto mask = torch::ones({2, 24}, torch::kInt64);
  const auto pooled = torch::randn({2, dit_only.transformer()->options.pooled_dim});
  const auto t = torch::full({2}, 500.0);
  const double bare_s = seconds([&] {
    for (int i = 0; i < 20; ++i) {
      dit_only.velocity(x, t, x, {}, tokens, mask, pooled, 6.0).pow(2).mean().backward();
    }
  });
  std::printf("sft: %.2f steps/s (batch 2); bare forward+backward %.2f /s; ratio %.2f of the floor\n",
              20 / train_s, 20 / bare_s, bare_s / train_s);

  // Edit latency per stage, 20 steps with guidance.
  VivaPipeline pipeline(model, torch::kCPU, torch::kFloat32);
  EditJob job;
  job.video = (dir / "pairs" / "pair0_source.mkv").string();
  job.instruction = "invert the colours in box 0";
  job.output = (dir / "edit.mkv").string();
  job.sampling = pipeline.config().sampling;
  job.sampling.steps = 20;
  const EditResult r = run_edit_jobs(pipeline, {job}, quiet).front();
  if (!r.error.empty()) {
    std::fprintf(stderr, "edit failed: %s\n", r.error.c_str());
    return 1;
  }
  torch::NoGradGuard no_grad;
  const auto one = x.narrow(0, 0, 1);
  const double forward_s = seconds([&] {
    for (int i = 0; i < 10; ++i)
      dit_only.velocity(one, t.narrow(0, 0, 1), one, {}, tokens.narrow(0, 0, 1), mask.narrow(0, 0, 1),
                        pooled.narrow(0, 0, 1), 6.0);
  }) / 10;
  std::printf("edit (64x64, 9 frames, 20 steps): read %.3f s, encode %.3f s, sample %.3f s, decode %.3f s, write %.3f s\n",
              r.times.read_s, r.times.encode_s, r.times.sample_s, r.times.decode_s, r.times.write_s);
  std::printf("sampling floor (20 x 2 DiT forwards) %.3f s; ratio %.2f\n", 40 * forward_s, 40 * forward_s / r.times.sample_s);

  // Edit-GRPO: 3 steps, G = 8, 10 sampling steps with guidance, brightness reward (no reward model).
  GrpoConfig g;
  g.model = model;
  g.prompts = manifest;
  g.out = (dir / "grpo").string();
  g.steps = 3;
  g.group_size = 8;
  g.sampling_steps = 10;
  g.checkpoint_every = 1000;
  g.lora.rank = 8;
  g.lora.alpha = 8;
  g.rewards.w_instruction = g.rewards.w_preservation = g.rewards.w_pickscore = 0;
  g.rewards.w_brightness = 1;
  TrainRunOptions grpo_run;
  grpo_run.progress = quiet;
  const double grpo_s = seconds([&] { train_grpo(g, grpo_run); });
  double phase[4] = {0, 0, 0, 0};
  std::ifstream metrics(g.out + "/metrics.jsonl");
  for (std::string line; std::getline(metrics, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["event"] != "step") continue;
    int k = 0;
    for (const char* key : {"sample_s", "decode_s", "reward_s", "objective_s"}) phase[k++] += j[key].get<double>() / g.steps;
  }
  const auto group = x.narrow(0, 0, 1).expand({8, -1, -1, -1, -1}).contiguous();
  const double group_forward_s = seconds([&] {
    for (int i = 0; i < 3; ++i)
      dit_only.velocity(group, torch::full({8}, 500.0), group, {}, tokens.narrow(0, 0, 1).expand({8, -1, -1}),
                        mask.narrow(0, 0, 1).expand({8, -1}), pooled.narrow(0, 0, 1).expand({8, -1}), 6.0);
  }) / 3;
  std::printf("grpo (G 8, 10 steps, 64x64, 9 frames): %.2f s/step (incl. prompt encoding once); sample %.2f s, decode "
              "%.2f s, reward %.3f s, objective %.2f s\n",
              grpo_s / g.steps, phase[0], phase[1], phase[2], phase[3]);
  std::printf("grpo sampling floor (10 x 2 forwards of batch 8) %.2f s; ratio %.2f\n", 20 * group_forward_s,
              20 * group_forward_s / phase[0]);
  fs::remove_all(dir);
  return 0;
}
