#pragma once
// Writes a complete VIVA model folder (viva_model_config.h) with freshly initialised weights at
// a named size: the starting point of training recipes and the model the tests edit with.
#include <nlohmann/json.hpp>
#include <string>

namespace viva {

struct ModelInitOptions {
  // "tiny": a few million parameters, 64x64 video, CPU-friendly (tests); "shapes": what the
  // ShapesWorld recipe trains (a 16-channel VAE and a larger DiT).
  std::string preset = "tiny";
  std::string tokenizers;       // folder with llama3/tokenizer.json and clip/bpe_simple_vocab_16e6.txt.gz
  uint64_t seed = 0;
  // Keys of transformer/config.json replacing the preset's DiT architecture, e.g.
  // {"hidden_size": 256, "heads_num": 4} (DitOptions::with_architecture).
  nlohmann::json transformer = nlohmann::json::object();
};

// Fails if `folder` exists and is not empty; writes under a temporary name and renames, so an
// interrupted run leaves nothing behind.
void write_initial_model(const std::string& folder, const ModelInitOptions& options);

// Throws an Error naming `source` unless `preset` is known and `transformer` is a valid
// architecture patch of its DiT: lets a recipe refuse a bad plan before its first stage runs.
void check_preset_architecture(const std::string& preset, const nlohmann::json& transformer, const std::string& source);

}  // namespace viva
