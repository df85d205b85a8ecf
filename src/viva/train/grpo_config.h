#pragma once
// `viva train grpo --config run.json`: Edit-GRPO post-training (paper §3.3, grpo.md) of a LoRA
// on a VIVA model, with stochastic Flow-SDE / CPS sampling and the edit rewards.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "viva/nn/lora.h"
#include "viva/rewards/edit_rewards.h"
#include "viva/train/dit_scale_options.h"
#include "viva/train/training_options.h"

namespace viva {

struct GrpoConfig : TrainingOptions, DitScaleOptions {
  GrpoConfig() { steps = 100; lr = 1e-4; checkpoint_every = 10; }  // the optimizer trains the LoRA only

  std::string model;    // VIVA model folder (the SFT result); its weights stay frozen
  std::string prompts;  // GRPO prompts: grpo.jsonl or a dataset manifest (data/grpo_prompts.h)
  std::string split = "train";
  std::string out;      // run folder: checkpoints, metrics.jsonl, reward.png, lora.safetensors
  RewardOptions rewards;
  LoraOptions lora;
  int64_t group_size = 8;        // G edits sampled per prompt
  int64_t prompts_per_step = 1;  // groups per optimizer step
  // Sampling during training (fewer steps than inference; grpo.md §2).
  std::string sampler = "flow_sde";  // "flow_sde" | "cps"
  double eta = 0.7;
  int64_t sampling_steps = 10;
  std::optional<double> guidance;  // empty: the model's sampling guidance
  std::optional<double> shift;     // empty: the model's sampling shift
  std::optional<int> width, height, frames;  // empty: the model's video size
  // The objective.
  double timestep_fraction = 0.6;  // share of the stochastic steps trained on, drawn per group
  double clip_range = 1e-3;        // ε
  double kl_weight = 0.004;        // β
  double advantage_clip = 5.0;     // |A| ≤ this; 0 disables
  // Optimizer updates per sampled batch of groups (PPO-style, as Flow-GRPO): the chosen steps
  // are split into this many minibatches. From the second update on the ratio departs from 1
  // and the clip (ε) binds.
  int64_t updates_per_group = 1;
  // DitScaleOptions, as in SFT: bf16 keeps the LoRA float32 and holds the frozen DiT's matrices
  // in bf16; the ranks of a sequence-parallel group share each group member, and a group of G
  // edits is spread over those groups.

  static GrpoConfig read(const std::string& path);
  // The same from JSON; errors name `source`.
  // With ConfigPaths::SetByCaller, the reward models' folders are the caller's too.
  static GrpoConfig from_json(const nlohmann::json& json, const std::string& source,
                              ConfigPaths paths = ConfigPaths::InFile);
  nlohmann::json to_json() const;
};

}  // namespace viva
