#pragma once
// The model card a recipe stage leaves beside its result: what was trained, on what data, with
// which configuration, for how many steps and how long, and what it measured. Written as
// card.json (read back to skip a finished stage) and MODEL_CARD.md (for people).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace viva {

struct ModelCard {
  std::string stage;        // "vae", "sft", ...
  std::string title;        // one line: what this stage produced
  std::string result;       // the model (or data) folder, relative to the recipe folder
  nlohmann::json config;    // the stage's configuration as run
  nlohmann::json data;      // what it trained or was measured on
  nlohmann::json metrics;   // numbers it measured
  int64_t steps = 0;        // optimizer steps (0 for stages that do not train)
  double wall_seconds = 0;  // summed over every (resumed) run of the stage

  nlohmann::json to_json() const;
  static ModelCard from_json(const nlohmann::json& json, const std::string& source);
  std::string markdown() const;
};

// Writes folder/card.json and folder/MODEL_CARD.md (each atomically).
void write_model_card(const std::string& folder, const ModelCard& card);
// The card of a finished stage, or nothing when folder/card.json does not exist.
std::optional<ModelCard> read_model_card(const std::string& folder);

}  // namespace viva
