#pragma once
// The Edit-GRPO loop (paper §3.3, Appendix A.2; grpo.md §2). Per optimizer step, for each of
// `prompts_per_step` prompts: sample a group of G edits with the stochastic sampler from the
// model + LoRA (no gradient), recording every state and step log-probability; decode them and
// score them with the edit rewards; group-normalised advantages. Then, on a random subset of
// each group's stochastic steps split into `updates_per_group` minibatches, recompute each
// transition under the current policy (with gradient) and under the reference policy (LoRA
// off), descend the clipped-ratio objective + β·KL and update after every minibatch. Only the
// LoRA weights train. With W ranks each samples G/W members of every group and the rewards are
// gathered for the advantages. Checkpoints, resume, JSONL and stop signals are the Trainer's.
#include <string>

#include "viva/train/grpo_config.h"
#include "viva/train/trainer.h"

namespace viva {

// The output is <out>/lora.safetensors; the step lines report the group rewards (reward, its
// components, reward_std), the objective (policy_loss, kl, clip_fraction, ratio_mean) and where
// the time went (and `updates` when several); the report holds max_kl, the largest KL term of the run.
TrainResult train_grpo(const GrpoConfig& config, const TrainRunOptions& run = {});

}  // namespace viva
