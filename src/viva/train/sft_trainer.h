#pragma once
// The SFT loop (viva.md §2): for each optimizer step, `grad_accum` shape-bucketed micro-batches
// from the condition cache; σ = shift(sigmoid(n)); x_σ = σ·noise + (1 − σ)·x0; loss = mean of
// (1 + w_m·M)·(v − (noise − x0))²; gradients reduced in one place (GradientReducer), clipped,
// AdamW with linear warm-up, optional EMA; checkpoints every N steps and on SIGINT/SIGTERM;
// metrics as JSONL; at the end the loss curve and a model folder with the trained transformer.
#include <string>

#include "viva/core/progress.h"
#include "viva/train/gradient_reducer.h"
#include "viva/train/sft_config.h"

namespace viva {

struct SftRunOptions {
  bool resume = false;           // continue from <out>/checkpoints/latest
  int64_t stop_after = 0;        // > 0: stop (with a checkpoint) after this many steps in this run
  ProgressOptions progress;
  GradientReducer* reducer = nullptr;  // null: single process
};

struct SftResult {
  int64_t start_step = 0, end_step = 0;
  bool finished = false;         // reached config.steps (then <out>/model exists)
  double first_loss = 0, last_loss = 0;
  std::string model_folder;      // <out>/model when finished
};

SftResult train_sft(const SftConfig& config, const SftRunOptions& options = {});

// The EMA decay applied after optimizer step `step` (1-based): `decay`, warmed up as
// min(decay, (1 + step) / (10 + step)), so that a short run's average is not its initial weights
// (a plain 0.999 leaves 0.999^1200 = 30% of them in a 1200-step run's average).
double ema_decay(double decay, int64_t step);

}  // namespace viva
