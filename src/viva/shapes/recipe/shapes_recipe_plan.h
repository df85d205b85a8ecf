#pragma once
// The ShapesWorld recipe's plan: every stage's settings. "full" is the CPU plan (run 3),
// "smoke" runs every stage in seconds (tests). Trainer sections keep the keys of the trainer's
// own config file (they become DIR/<stage>/config.json); from_json checks them with that
// trainer's reader, so a bad key fails before the first stage.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

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
  nlohmann::json vae, vlm, clip, pickscore, grpo;  // trainer config keys
  struct Dit {
    int64_t max_rows = 0;  // training rows encoded (the first of the train split); 0: all
    nlohmann::json train;  // SFT trainer config keys
    // t2v only: architecture keys for its fresh DiT, which the editor inherits
    // (DitOptions::with_architecture; e.g. {"hidden_size": 192, "heads_num": 3}).
    nlohmann::json transformer = nlohmann::json::object();
  } t2v, sft;
  struct Eval {
    int64_t max_rows = 60;  // per split
    int steps = 0;          // 0: the model's sampling steps
    double guidance = 0;    // 0: the model's
  } eval;

  // The named plan as JSON; throws for an unknown name.
  static nlohmann::json named(const std::string& name);
  // Unknown keys and wrong types are errors naming `source`.
  static ShapesRecipePlan from_json(const nlohmann::json& json, const std::string& source);
};

}  // namespace viva
