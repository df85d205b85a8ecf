#pragma once
// The SFT loop (viva.md §2): for each optimizer step, `grad_accum` shape-bucketed micro-batches
// from the condition cache; σ = shift(sigmoid(n)); x_σ = σ·noise + (1 − σ)·x0; loss = mean of
// (1 + w_m·M)·(v − (noise − x0))²; the rest (accumulation, reduction, clipping, AdamW, EMA,
// checkpoints, resume, JSONL) is the Trainer's. At the end the loss curve and a model folder
// with the trained transformer.
#include <string>

#include "viva/train/sft_config.h"
#include "viva/train/trainer.h"

namespace viva {

// <out>/model holds the trained transformer (its EMA when on); the step lines report loss,
// sigma_mean and video_batches.
TrainResult train_sft(const SftConfig& config, const TrainRunOptions& run = {});

// The paper's masked flow-matching loss (Eq. 3): the mean over every element of
// (1 + w_m·M)·(v − (noise − x0))², with the edit mask M [B, 1, T, H, W] (1 inside the edited
// region) broadcast over the latent channels of v, noise and x0 [B, C, T, H, W].
torch::Tensor masked_flow_loss(const torch::Tensor& v, const torch::Tensor& noise, const torch::Tensor& x0,
                               const torch::Tensor& mask, double mask_weight);

}  // namespace viva
