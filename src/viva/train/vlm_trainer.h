#pragma once
// `viva train vlm --config VLM.json`: trains a model folder's LLaVA (vision tower, projector and
// Llama decoder) to describe frames — next-token cross-entropy on a manifest's captions given
// the frame (viva.md §3, "Pretraining the stand-ins"): the first frame of every source clip with
// its source caption and of every target clip with its target caption. A decoder without an
// lm_head predicts through its input embeddings (tied), which adds no parameters. The held-out
// metrics are the caption loss and next-token accuracy on the "validation" split (the training
// rows when there are none). <out>/model is the model folder with the trained text_encoder.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "viva/train/trainer.h"
#include "viva/train/training_options.h"

namespace viva {

struct VlmTrainConfig : TrainingOptions {
  VlmTrainConfig() { warmup = 50; cosine = true; checkpoint_every = 200; }

  std::string model, manifest, out;  // required
  std::string system_prompt =
      "You describe images: the background, the weather, and every object with its colour, shape, size, texture "
      "and position.";
  std::string question = "Describe this image.";
  int64_t grad_accum = 4;  // examples per optimizer step (one at a time: images splice per sequence)

  static VlmTrainConfig read(const std::string& path);
  // The same from JSON; errors name `source`.
  static VlmTrainConfig from_json(const nlohmann::json& json, const std::string& source,
                                  ConfigPaths paths = ConfigPaths::InFile);
  nlohmann::json to_json() const;
};

// <out>/model is the model folder with the trained text_encoder; the step lines report loss and
// token_accuracy, the report heldout_loss, heldout_token_accuracy, heldout_items and heldout_split.
TrainResult train_vlm(const VlmTrainConfig& config, const TrainRunOptions& run = {});

}  // namespace viva
