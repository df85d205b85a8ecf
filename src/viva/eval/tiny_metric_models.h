#pragma once
// Small, randomly initialised metric models (DINO v1, DINOv2, ViCLIP) written as the folders
// `viva eval bench` loads (config.json with the reference's arguments + model.safetensors): for
// running the whole evaluation where the released weights cannot be downloaded, and for tests.
// Their figures exercise the computation; they are not a judgement of the video.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace viva {

// "dino", "dinov2" and "viclip".
const std::vector<std::string>& tiny_metric_model_kinds();
// The reference's arguments of the tiny `kind`.
nlohmann::json tiny_metric_model_config(const std::string& kind);
// Writes the tiny `kind`, initialised from `seed`, to `folder` (created; files replaced atomically).
void write_tiny_metric_model(const std::string& kind, const std::string& folder, uint64_t seed);

}  // namespace viva
