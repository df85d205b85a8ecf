// viva train sft | vae | grpo | clip | vlm: supervised fine-tuning, VAE training, Edit-GRPO post-training,
// CLIP / PickScore-like reward models, the LLaVA instructor's captioning pretraining.
#include <cstdio>
#include <memory>

#include "viva/cli/cli_common.h"
#include "viva/train/clip_trainer.h"
#include "viva/train/grpo_trainer.h"
#include "viva/train/sft_trainer.h"
#include "viva/train/vlm_trainer.h"
#include "viva/train/vae_trainer.h"

namespace viva::cli {
namespace {

// What every trainer says when Ctrl-C or SIGTERM stopped it before its last step.
void print_stopped_at(int64_t step) {
  std::printf("stopped at step %lld with a checkpoint; continue with --resume\n", static_cast<long long>(step));
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto* train = app.add_subcommand("train", "Train models");
  train->require_subcommand(1);
  auto config = std::make_shared<std::string>();
  auto resume = std::make_shared<bool>(false);
  auto* sft = train->add_subcommand(
      "sft",
      "Supervised fine-tuning with the masked flow-matching loss. Checkpoints go to <out>/checkpoints (every "
      "checkpoint_every steps and on Ctrl-C), metrics to <out>/metrics.jsonl; at the end <out>/loss.png and the "
      "trained model folder <out>/model");
  sft->add_option("--config", *config, "Run configuration (JSON; see README)")->required();
  sft->add_flag("--resume", *resume, "Continue from the run's latest checkpoint");
  set_guarded_callback(sft, [config, resume] {
    SftRunOptions options;
    options.resume = *resume;
    const SftConfig c = SftConfig::read(*config);
    const SftResult r = train_sft(c, options);
    if (r.finished)
      std::printf("trained steps %lld..%lld, loss %.4g -> %.4g; model: %s\n", static_cast<long long>(r.start_step),
                  static_cast<long long>(r.end_step), r.first_loss, r.last_loss, r.model_folder.c_str());
    else
      print_stopped_at(r.end_step);
  });

  auto vae_config = std::make_shared<std::string>();
  auto vae_resume = std::make_shared<bool>(false);
  auto* vae = train->add_subcommand(
      "vae",
      "Train a model folder's causal VAE on a manifest's clips (reconstruction + KL); at the end the scaling "
      "factor is refitted and <out>/model holds the model folder with the trained VAE");
  vae->add_option("--config", *vae_config, "Run configuration (JSON; see README)")->required();
  vae->add_flag("--resume", *vae_resume, "Continue from the run's latest checkpoint");
  set_guarded_callback(vae, [vae_config, vae_resume] {
    const VaeTrainResult r = train_vae(VaeTrainConfig::read(*vae_config), *vae_resume);
    if (r.finished)
      std::printf("trained steps %lld..%lld, loss %.4g -> %.4g, reconstruction %.1f dB (held out: %.1f dB over %lld "
                  "clips), scaling factor %.4f; model: %s\n",
                  static_cast<long long>(r.start_step), static_cast<long long>(r.end_step), r.first_loss, r.last_loss,
                  r.psnr_db, r.heldout_psnr_db, static_cast<long long>(r.heldout_clips), r.scaling_factor,
                  r.model_folder.c_str());
    else
      print_stopped_at(r.end_step);
  });

  auto grpo_config = std::make_shared<std::string>();
  auto grpo_resume = std::make_shared<bool>(false);
  auto* grpo = train->add_subcommand(
      "grpo",
      "Edit-GRPO: train a LoRA on a VIVA model with group-relative policy optimisation over stochastic "
      "(Flow-SDE or CPS) samples scored by the CLIP / PickScore edit rewards. Checkpoints go to <out>/checkpoints "
      "(every checkpoint_every steps and on Ctrl-C), metrics to <out>/metrics.jsonl; at the end <out>/reward.png "
      "and <out>/lora.safetensors (use it with viva edit --lora)");
  grpo->add_option("--config", *grpo_config, "Run configuration (JSON; see README)")->required();
  grpo->add_flag("--resume", *grpo_resume, "Continue from the run's latest checkpoint");
  set_guarded_callback(grpo, [grpo_config, grpo_resume] {
    GrpoRunOptions options;
    options.resume = *grpo_resume;
    const GrpoResult r = train_grpo(GrpoConfig::read(*grpo_config), options);
    if (r.finished)
      std::printf("trained steps %lld..%lld, mean reward %.4g -> %.4g, max KL %.3g; LoRA: %s\n",
                  static_cast<long long>(r.start_step), static_cast<long long>(r.end_step), r.first_reward,
                  r.last_reward, r.max_kl, r.lora_path.c_str());
    else
      print_stopped_at(r.end_step);
  });

  auto clip_config = std::make_shared<std::string>();
  auto clip_resume = std::make_shared<bool>(false);
  auto* clip = train->add_subcommand(
      "clip",
      "Train a CLIP on a manifest's clips and captions: \"contrastive\" (CLIP's objective; reports held-out "
      "caption->clip retrieval accuracy) or \"preference\" (PickScore's, clean against degraded frames; reports "
      "held-out preference accuracy). <out>/model is a CLIP folder usable as a reward model");
  clip->add_option("--config", *clip_config, "Run configuration (JSON; see README)")->required();
  clip->add_flag("--resume", *clip_resume, "Continue from the run's latest checkpoint");
  set_guarded_callback(clip, [clip_config, clip_resume] {
    const ClipTrainResult r = train_clip(ClipTrainConfig::read(*clip_config), *clip_resume);
    if (r.finished)
      std::printf("trained steps %lld..%lld, loss %.4g -> %.4g, held-out (%s, %lld clips) accuracy %.3f; model: %s\n",
                  static_cast<long long>(r.start_step), static_cast<long long>(r.end_step), r.first_loss,
                  r.last_loss, r.heldout_split.c_str(), static_cast<long long>(r.heldout_items),
                  r.heldout_accuracy, r.folder.c_str());
    else
      print_stopped_at(r.end_step);
  });

  auto vlm_config = std::make_shared<std::string>();
  auto vlm_resume = std::make_shared<bool>(false);
  auto* vlm = train->add_subcommand(
      "vlm",
      "Train a model folder's LLaVA instructor to caption frames (next-token loss on a manifest's captions given the "
      "first frame); reports held-out caption loss and token accuracy; <out>/model is the model folder with the "
      "trained text_encoder");
  vlm->add_option("--config", *vlm_config, "Run configuration (JSON; see README)")->required();
  vlm->add_flag("--resume", *vlm_resume, "Continue from the run's latest checkpoint");
  set_guarded_callback(vlm, [vlm_config, vlm_resume] {
    const VlmTrainResult r = train_vlm(VlmTrainConfig::read(*vlm_config), *vlm_resume);
    if (r.finished)
      std::printf("trained steps %lld..%lld, loss %.4g -> %.4g, held-out (%s, %lld frames) loss %.4g, token "
                  "accuracy %.3f; model: %s\n",
                  static_cast<long long>(r.start_step), static_cast<long long>(r.end_step), r.first_loss,
                  r.last_loss, r.heldout_split.c_str(), static_cast<long long>(r.heldout_items), r.heldout_loss,
                  r.heldout_token_accuracy, r.model_folder.c_str());
    else
      print_stopped_at(r.end_step);
  });
}

}  // namespace viva::cli
