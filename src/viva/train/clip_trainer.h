#pragma once
// `viva train clip --config CLIP.json`: trains a CLIP on a manifest's clips and captions, for the
// rewards and metrics of a world without downloadable weights (viva.md §3, "Pretraining the
// stand-ins"). Two objectives:
//   contrastive  CLIP's symmetric InfoNCE over (frame, caption) pairs of a batch, learnable
//                temperature; held-out metric: caption -> clip retrieval top-1 accuracy.
//   preference   PickScore's: for a caption, a clean frame against a degraded copy (blur, noise,
//                pixelation, colour cast), cross-entropy on the two scores logit_scale·cos;
//                held-out metric: how often the clean frame scores higher.
// Source clips pair with source captions and targets with target captions; held-out rows are
// the manifest's "validation" split (the training rows themselves when it has none).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "viva/train/trainer.h"
#include "viva/train/training_options.h"

namespace viva {

struct ClipTrainConfig : TrainingOptions {
  ClipTrainConfig() { steps = 2000; lr = 5e-4; weight_decay = 0.1; warmup = 100; cosine = true; checkpoint_every = 500; }

  std::string manifest, out;  // required
  std::string init;           // a CLIP folder to continue from; empty: a fresh model
  nlohmann::json architecture;  // Hugging Face CLIPConfig of a fresh model; empty: ClipOptions::tiny()
  std::string merges;         // BPE merges of a fresh model (init's own are used otherwise)
  std::string objective = "contrastive";  // | "preference"
  int64_t batch_size = 64;
  int64_t frames_per_clip = 2;  // frames kept per clip (evenly spaced); each step draws one

  static ClipTrainConfig read(const std::string& path);
  // The same from JSON; errors name `source`.
  // With ConfigPaths::SetByCaller, init and merges are the caller's too.
  static ClipTrainConfig from_json(const nlohmann::json& json, const std::string& source,
                                   ConfigPaths paths = ConfigPaths::InFile);
  nlohmann::json to_json() const;
};

// <out>/model is a CLIP folder (ClipScorer's layout); the report holds heldout_accuracy
// (retrieval top-1 for contrastive, preference accuracy for preference), heldout_items and
// heldout_split ("validation", or "train" when the manifest has no validation rows).
TrainResult train_clip(const ClipTrainConfig& config, const TrainRunOptions& run = {});

}  // namespace viva
