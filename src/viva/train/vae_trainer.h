#pragma once
// `viva train vae --config vae.json`: trains a model folder's causal VAE on the clips of a
// manifest (sources and targets): reconstruction error (MSE or L1) of the posterior mean (or of a
// sample) plus a small KL term, AdamW, checkpoints and exact resume as the SFT trainer. At the end the scaling factor is set
// to 1 / std of the latent means over the data, so the DiT sees unit-variance latents, and
// <out>/model is the base model folder with the trained VAE.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "viva/train/trainer.h"
#include "viva/train/training_options.h"

namespace viva {

struct VaeTrainConfig : TrainingOptions {
  // steps 0: only measure the starting VAE and set its scaling factor.
  VaeTrainConfig() { steps = 2000; warmup = 50; cosine = true; checkpoint_every = 200; }

  std::string model, manifest, out;  // required
  // A fresh VAE of this architecture (diffusers vae/config.json keys) instead of the model
  // folder's own weights; empty: continue from the model's VAE.
  nlohmann::json architecture;
  // A trained VAE folder (diffusers layout: config.json and weights) to start from instead of
  // the model's VAE, e.g. one trained on a GPU (tools/gpu/train_vae.sh).
  std::string weights;
  double kl_weight = 1e-6;
  // Train the decoder (and post_quant_conv) only; the encoder stays as it is, so every latent,
  // the scaling factor included, is unchanged and a DiT trained on them still fits: a better
  // decoder for a finished model (Stable Diffusion's ft-MSE decoders were made so).
  bool decoder_only = false;
  // The reconstruction term: "mse", or "l1" (HunyuanVideo's VAE objective uses L1, with LPIPS and
  // a GAN term that ShapesWorld's recipe leaves out).
  std::string reconstruction = "mse";
  // Decode a sample of the posterior (the usual VAE objective) or its mean. Sampling makes the
  // decoder learn through noise of std exp(logvar/2) ~ 1 until the tiny KL weight lets logvar
  // fall, which takes far more steps than a small run has; editing decodes means anyway.
  bool sample_posterior = false;
  std::optional<int> width, height, frames;  // empty: the model's
  // Each step trains on `batch` clips of one shape (all images or all videos), cut to crop x crop
  // pixels (0: whole frames) and crop_frames (4k+1) frames. Whole frames learn faster per second
  // here: GroupNorm sees a crop's statistics, not a frame's. A batch of 2 or more also runs the
  // CPU convolutions through oneDNN, which libtorch skips for one small clip (~5x slower).
  int batch = 4;
  int crop = 0, crop_frames = 5;
  std::string split;          // train on the clips of this split only ("" = every row)
  int64_t max_clips = 0;      // at most this many clips in memory (the first ones); 0: all
  std::string heldout_split = "validation";  // reconstruction PSNR at the end on these clips
  int64_t heldout_clips = 32;

  static VaeTrainConfig read(const std::string& path);
  // The same from JSON; errors name `source`.
  static VaeTrainConfig from_json(const nlohmann::json& json, const std::string& source,
                                  ConfigPaths paths = ConfigPaths::InFile);
  nlohmann::json to_json() const;
};

// <out>/model is the base model folder with the trained VAE; the report holds psnr_db (mean
// reconstruction PSNR over up to 256 training clips), heldout_psnr_db over up to heldout_clips
// clips of heldout_split, heldout_clips (0 when the manifest has none) and scaling_factor.
TrainResult train_vae(const VaeTrainConfig& config, const TrainRunOptions& run = {});

}  // namespace viva
