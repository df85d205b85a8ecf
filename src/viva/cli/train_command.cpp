// viva train sft | vae | grpo | clip | vlm: supervised fine-tuning, VAE training, Edit-GRPO post-training,
// CLIP / PickScore-like reward models, the LLaVA instructor's captioning pretraining.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "viva/cli/cli_common.h"
#include "viva/cli/memory_plan_command.h"
#include "viva/core/config.h"
#include "viva/core/device.h"
#include "viva/core/distributed.h"
#include "viva/core/error.h"
#include "viva/train/data_parallel.h"
#include "viva/train/clip_trainer.h"
#include "viva/train/grpo_trainer.h"
#include "viva/train/sft_trainer.h"
#include "viva/train/vlm_trainer.h"
#include "viva/train/vae_trainer.h"

namespace viva::cli {
namespace {

using RunTrainer = std::function<TrainResult(const std::string& config, const TrainRunOptions& run)>;
using DescribeResult = std::function<void(const TrainResult& r)>;

// One `viva train <name> --config FILE [--resume]` subcommand; every trainer is called alike and
// says the same when Ctrl-C or SIGTERM stopped it before its last step.
// `plan`: the trainers of the DiT (sft, grpo) also print memory plans (--plan-memory).
void add_trainer(CLI::App& train, const std::string& name, const std::string& description, RunTrainer run_trainer,
                 DescribeResult describe, bool plan = false) {
  auto config = std::make_shared<std::string>();
  auto resume = std::make_shared<bool>(false);
  auto stop_after = std::make_shared<int64_t>(0);
  auto* command = train.add_subcommand(name, description);
  command->add_option("--config", *config, "Run configuration (JSON; keys in docs/cli.md)")->required();
  command->add_flag("--resume", *resume, "Continue from the run's latest checkpoint");
  command->add_option("--stop-after", *stop_after,
                      "Stop with a checkpoint after this many steps of this run (time-sliced jobs; --resume goes on)")
      ->check(CLI::PositiveNumber);
  std::function<bool(const std::string&)> planned;
  if (plan) planned = add_memory_plan_options(*command, name == "grpo");
  set_guarded_callback(command, [name, config, resume, stop_after, run_trainer, describe, planned] {
    if (planned && planned(*config)) return;
    TrainRunOptions run;
    run.resume = *resume;
    run.stop_after = *stop_after;
    // Under torchrun, srun or viva launch: one rank of a data-parallel run.
    const LaunchEnvironment launch = LaunchEnvironment::from_environment();
    std::unique_ptr<ProcessGroup> group;
    std::unique_ptr<DataParallel> data_parallel;
    if (launch.distributed()) {
      if (name != "sft" && name != "grpo")
        throw Error("viva train " + name, "runs on one process only so far (WORLD_SIZE is " +
                                              std::to_string(launch.world_size) + "); sft and grpo train on several");
      const std::string device = local_device(load_json_file(*config).value("device", std::string("cpu")), launch);
      group = std::make_unique<ProcessGroup>(launch, parse_device(device));
      data_parallel = std::make_unique<DataParallel>(*group);
      run.reducer = data_parallel.get();
      run.launch = launch;
      run.group = group.get();
    }
    const TrainResult r = run_trainer(*config, run);
    if (launch.rank > 0) return;  // rank 0 reports
    if (r.finished)
      describe(r);
    else
      std::printf("stopped at step %lld with a checkpoint; continue with --resume\n", static_cast<long long>(r.end_step));
  });
}

// "trained steps A..B, loss X -> Y" (the figures of this run's first and last steps).
std::string steps_and(const TrainResult& r, const char* figure) {
  char line[160];
  if (r.first_step.contains(figure))
    std::snprintf(line, sizeof line, "trained steps %lld..%lld, %s %.4g -> %.4g", static_cast<long long>(r.start_step),
                  static_cast<long long>(r.end_step), std::string(figure) == "reward" ? "mean reward" : figure,
                  r.first(figure), r.last(figure));
  else
    std::snprintf(line, sizeof line, "trained steps %lld..%lld", static_cast<long long>(r.start_step),
                  static_cast<long long>(r.end_step));
  return line;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto* train = app.add_subcommand("train", "Train models");
  train->require_subcommand(1);
  add_trainer(
      *train, "sft",
      "Supervised fine-tuning with the masked flow-matching loss. Checkpoints go to <out>/checkpoints (every "
      "checkpoint_every steps and on Ctrl-C), metrics to <out>/metrics.jsonl; at the end <out>/loss.png and the "
      "trained model folder <out>/model",
      [](const std::string& config, const TrainRunOptions& run) {
        SftConfig c = SftConfig::read(config);
        c.device = local_device(c.device, run.launch);
        return train_sft(c, run);
      },
      [](const TrainResult& r) { std::printf("%s; model: %s\n", steps_and(r, "loss").c_str(), r.output.c_str()); },
      true);
  add_trainer(
      *train, "vae",
      "Train a model folder's causal VAE on a manifest's clips (reconstruction + KL); at the end the scaling "
      "factor is refitted and <out>/model holds the model folder with the trained VAE",
      [](const std::string& config, const TrainRunOptions& run) { return train_vae(VaeTrainConfig::read(config), run); },
      [](const TrainResult& r) {
        std::printf("%s, reconstruction %.1f dB (held out: %.1f dB over %lld clips), scaling factor %.4f; model: %s\n",
                    steps_and(r, "loss").c_str(), r.reported("psnr_db"), r.reported("heldout_psnr_db"),
                    static_cast<long long>(r.reported("heldout_clips")), r.reported("scaling_factor"), r.output.c_str());
      });
  add_trainer(
      *train, "grpo",
      "Edit-GRPO: train a LoRA on a VIVA model with group-relative policy optimisation over stochastic "
      "(Flow-SDE or CPS) samples scored by the CLIP / PickScore edit rewards. Checkpoints go to <out>/checkpoints "
      "(every checkpoint_every steps and on Ctrl-C), metrics to <out>/metrics.jsonl; at the end <out>/reward.png "
      "and <out>/lora.safetensors (use it with viva edit --lora)",
      [](const std::string& config, const TrainRunOptions& run) {
        GrpoConfig c = GrpoConfig::read(config);
        c.device = local_device(c.device, run.launch);
        return train_grpo(c, run);
      },
      [](const TrainResult& r) {
        std::printf("%s, max KL %.3g; LoRA: %s\n", steps_and(r, "reward").c_str(), r.reported("max_kl"),
                    r.output.c_str());
      },
      true);
  add_trainer(
      *train, "clip",
      "Train a CLIP on a manifest's clips and captions: \"contrastive\" (CLIP's objective; reports held-out "
      "caption->clip retrieval accuracy) or \"preference\" (PickScore's, clean against degraded frames; reports "
      "held-out preference accuracy). <out>/model is a CLIP folder usable as a reward model",
      [](const std::string& config, const TrainRunOptions& run) { return train_clip(ClipTrainConfig::read(config), run); },
      [](const TrainResult& r) {
        std::printf("%s, held-out (%s, %lld clips) accuracy %.3f; model: %s\n", steps_and(r, "loss").c_str(),
                    r.report["heldout_split"].get<std::string>().c_str(),
                    static_cast<long long>(r.reported("heldout_items")), r.reported("heldout_accuracy"),
                    r.output.c_str());
      });
  add_trainer(
      *train, "vlm",
      "Train a model folder's LLaVA instructor to caption frames (next-token loss on a manifest's captions given the "
      "first frame); reports held-out caption loss and token accuracy; <out>/model is the model folder with the "
      "trained text_encoder",
      [](const std::string& config, const TrainRunOptions& run) { return train_vlm(VlmTrainConfig::read(config), run); },
      [](const TrainResult& r) {
        std::printf("%s, held-out (%s, %lld frames) loss %.4g, token accuracy %.3f; model: %s\n",
                    steps_and(r, "loss").c_str(), r.report["heldout_split"].get<std::string>().c_str(),
                    static_cast<long long>(r.reported("heldout_items")), r.reported("heldout_loss"),
                    r.reported("heldout_token_accuracy"), r.output.c_str());
      });
}

}  // namespace viva::cli
