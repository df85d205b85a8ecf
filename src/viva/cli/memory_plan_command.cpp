#include "viva/cli/memory_plan_command.h"

#include <cstdio>
#include <memory>
#include <string>

#include "viva/core/distributed.h"
#include "viva/io/video_frames.h"
#include "viva/pipeline/model_folder.h"
#include "viva/train/grpo_config.h"
#include "viva/train/memory_plan.h"
#include "viva/train/sft_config.h"

namespace viva::cli {
namespace {

struct PlanArgs {
  bool plan = false;
  int64_t world_size = 0;  // 0: WORLD_SIZE, else 1
  std::string size;
  int frames = 0;
  int64_t sequence_parallel = 0;  // 0: the run's
};

void print_plan(const std::string& config_path, const PlanArgs& a, bool grpo) {
  MemoryPlanOptions o;
  std::string model;
  bool sharded = false;
  int64_t sequence_parallel = 1;
  std::optional<int> width, height, frames;
  if (grpo) {
    const GrpoConfig c = GrpoConfig::read(config_path);
    model = c.model;
    width = c.width, height = c.height, frames = c.frames;
    o.bf16 = c.dtype == "bf16";
    o.activation_checkpointing = c.activation_checkpointing;
    o.lora = c.lora;
    o.batch = c.group_size;  // divided by the number of sample groups below
    sequence_parallel = c.sequence_parallel;
    sharded = c.sharding == "full";
  } else {
    const SftConfig c = SftConfig::read(config_path);
    model = c.model;
    o.bf16 = c.dtype == "bf16";
    o.activation_checkpointing = c.activation_checkpointing;
    o.batch = c.batch_size;
    sharded = c.sharding == "full";
    sequence_parallel = c.sequence_parallel;
  }
  if (a.sequence_parallel > 0) sequence_parallel = a.sequence_parallel;
  o.world_size = a.world_size > 0 ? a.world_size : std::max(1, LaunchEnvironment::from_environment().world_size);
  if (grpo) o.batch = std::max<int64_t>(1, o.batch / std::max<int64_t>(1, o.world_size / sequence_parallel));
  const ModelFolder folder(model);
  const DitOptions dit = folder.transformer_options();
  const VaeOptions vae = folder.vae_options();
  int w = width.value_or(folder.config().width), h = height.value_or(folder.config().height);
  if (!a.size.empty()) std::tie(w, h) = parse_frame_size(a.size);
  const int f = a.frames > 0 ? a.frames : frames.value_or(folder.config().frames);
  const int64_t latent_frames = (f - 1) / vae.time_compression + 1;
  const int64_t image_tokens =
      dit_image_tokens(dit, latent_frames, h / vae.spatial_compression, w / vae.spatial_compression);
  const int64_t text_tokens = folder.config().text_tokens.value_or(256);
  // Sequence parallel: a rank keeps its share of the image tokens and all the text tokens.
  o.tokens = (image_tokens + sequence_parallel - 1) / sequence_parallel + text_tokens;

  const MemoryPlan plan = plan_dit_training_memory(dit, o);
  std::printf("memory plan for viva train %s: DiT %.2f B parameters (%lld double + %lld single blocks), %s%s\n",
              grpo ? "grpo" : "sft", static_cast<double>(plan.parameters) / 1e9,
              static_cast<long long>(dit.double_blocks), static_cast<long long>(dit.single_blocks),
              o.bf16 ? "bf16 autocast" : "fp32", o.activation_checkpointing ? ", activation checkpointing" : "");
  std::printf("video %dx%d, %d frames: %lld image + %lld text tokens; %lld sample(s) per micro-batch per rank; "
              "world size %lld\n",
              w, h, f, static_cast<long long>(image_tokens), static_cast<long long>(text_tokens),
              static_cast<long long>(o.batch), static_cast<long long>(o.world_size));
  if (sequence_parallel > 1)
    std::printf("sequence parallel over %lld ranks: %lld tokens per rank\n", static_cast<long long>(sequence_parallel),
                static_cast<long long>(o.tokens));
  if (grpo)
    std::printf("trained: the LoRA, %.1f M parameters (rank %lld)\n", static_cast<double>(plan.trained_parameters) / 1e6,
                static_cast<long long>(o.lora->rank));
  std::printf("per rank, data parallel (every rank holds the whole model):\n%s", plan.table().c_str());
  if (o.world_size > 1 || sharded) {
    o.sharded = true;
    std::printf("per rank, fully sharded (\"sharding\": \"full\"%s):\n%s",
                o.activation_checkpointing ? "" : ", which needs activation_checkpointing",
                plan_dit_training_memory(dit, o).table().c_str());
  }
}

}  // namespace

std::function<bool(const std::string& config)> add_memory_plan_options(CLI::App& command, bool grpo) {
  auto a = std::make_shared<PlanArgs>();
  command.add_flag("--plan-memory", a->plan,
                   "Print the bytes each rank would hold (weights, gradients, optimizer, activations) and exit");
  command.add_option("--world-size", a->world_size, "Ranks to plan for (default: WORLD_SIZE, else 1)")
      ->check(CLI::PositiveNumber);
  command.add_option("--size", a->size, "Video size WIDTHxHEIGHT to plan for (default: the run's or the model's)");
  command.add_option("--frames", a->frames, "Frames to plan for (default: the run's or the model's)")
      ->check(CLI::PositiveNumber);
  command.add_option("--sequence-parallel", a->sequence_parallel,
                     "Ranks sharing each sample to plan for (default: the run's sequence_parallel)")
      ->check(CLI::PositiveNumber);
  return [a, grpo](const std::string& config) {
    if (!a->plan) return false;
    print_plan(config, *a, grpo);
    return true;
  };
}

}  // namespace viva::cli
