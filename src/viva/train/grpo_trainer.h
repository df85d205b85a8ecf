#pragma once
// The Edit-GRPO loop (paper §3.3, Appendix A.2; grpo.md §2). Per optimizer step, for each of
// `prompts_per_step` prompts: sample a group of G edits with the stochastic sampler from the
// model + LoRA (no gradient), recording every state and step log-probability; decode them and
// score them with the edit rewards; group-normalised advantages; then, on a random subset of the
// stochastic steps, recompute each transition under the current policy (with gradient) and
// under the reference policy (LoRA off), and descend the clipped-ratio objective + β·KL. Only
// the LoRA weights train. Checkpoints, resume, JSONL and signal handling as the SFT trainer.
#include <string>

#include "viva/core/progress.h"
#include "viva/train/grpo_config.h"

namespace viva {

struct GrpoRunOptions {
  bool resume = false;     // continue from <out>/checkpoints/latest
  int64_t stop_after = 0;  // > 0: stop (with a checkpoint) after this many steps in this run
  ProgressOptions progress;
};

struct GrpoResult {
  int64_t start_step = 0, end_step = 0;
  bool finished = false;            // reached config.steps (then <out>/lora.safetensors exists)
  double first_reward = 0, last_reward = 0;  // group mean reward of the first / last step of this run
  double max_kl = 0;                // largest KL term seen in this run
  std::string lora_path;            // <out>/lora.safetensors when finished
};

GrpoResult train_grpo(const GrpoConfig& config, const GrpoRunOptions& options = {});

}  // namespace viva
