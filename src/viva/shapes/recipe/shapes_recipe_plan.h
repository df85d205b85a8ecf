#pragma once
// The ShapesWorld recipe's plan: every stage's settings. "full" is the CPU plan (run 3),
// "smoke" runs every stage in seconds (tests). Trainer sections hold the keys of the trainer's
// own config file but for the paths, which the stages add; they are read once, by the trainers'
// readers, when the plan is read, so a bad key fails before the first stage, and travel as
// typed configs. The stage's DIR/<stage>/config.json is a record of what the trainer ran.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "viva/train/clip_trainer.h"
#include "viva/train/grpo_config.h"
#include "viva/train/sft_config.h"
#include "viva/train/vae_trainer.h"
#include "viva/train/vlm_trainer.h"

namespace viva {

struct ShapesRecipePlan {
  struct Data {
    int64_t pairs = 4000;
    uint64_t seed = 1;
    int size = 64, frames = 9;
    double image_fraction = 0.3;
    int64_t probe_pairs = 40;  // video stylisations for the transfer probe
    int edits_per_scene = 1;   // of the main set (the probe set has one per scene)
  } data;
  struct Init {
    std::string preset = "shapes";
    uint64_t seed = 0;
  } init;
  VaeTrainConfig vae;
  VlmTrainConfig vlm;
  ClipTrainConfig clip, pickscore;
  GrpoConfig grpo;
  struct Dit {
    int64_t max_rows = 0;  // training rows encoded (the first of the train split); 0: all
    SftConfig train;
    // t2v only: architecture keys for its fresh DiT, which the editor inherits
    // (DitOptions::with_architecture; e.g. {"hidden_size": 192, "heads_num": 3}).
    nlohmann::json transformer = nlohmann::json::object();
  } t2v, sft;
  struct Eval {
    int64_t max_rows = 60;  // per split
    std::optional<int> steps;        // empty: the model's sampling steps
    std::optional<double> guidance;  // empty: the model's
  } eval;

  // The named plan as JSON; throws for an unknown name.
  static nlohmann::json named(const std::string& name);
  // Unknown keys and wrong types are errors naming `source`. `device` is the trainers' where a
  // section names none.
  static ShapesRecipePlan from_json(const nlohmann::json& json, const std::string& source,
                                    const std::string& device = "cpu");
};

}  // namespace viva
