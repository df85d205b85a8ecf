#pragma once
// CLIP configuration (Hugging Face CLIPVisionConfig / CLIPTextConfig fields that change the
// computation) with presets for the checkpoints viva uses.
#include <nlohmann/json.hpp>
#include <string>

namespace viva {

enum class ClipActivation { QuickGelu, Gelu };

struct ClipVisionOptions {
  int64_t hidden_size = 1024;
  int64_t intermediate_size = 4096;
  int64_t num_layers = 24;
  int64_t num_heads = 16;
  int64_t image_size = 224;
  int64_t patch_size = 14;
  double layer_norm_eps = 1e-5;
  ClipActivation activation = ClipActivation::QuickGelu;

  int64_t num_patches() const { return (image_size / patch_size) * (image_size / patch_size); }
  void validate(const std::string& source) const;
};

struct ClipTextOptions {
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_layers = 12;
  int64_t num_heads = 12;
  int64_t vocab_size = 49408;
  int64_t max_positions = 77;
  int64_t eos_token_id = 49407;  // pooled output is taken at its first occurrence
  double layer_norm_eps = 1e-5;
  ClipActivation activation = ClipActivation::QuickGelu;

  void validate(const std::string& source) const;
};

struct ClipOptions {
  ClipVisionOptions vision;
  ClipTextOptions text;
  int64_t projection_dim = 768;

  // openai/clip-vit-large-patch14 (rewards, metrics, HunyuanVideo's pooled text vector).
  static ClipOptions vit_large_patch14();
  // The LLaVA vision tower: openai/clip-vit-large-patch14-336 (vision part).
  static ClipOptions vit_large_patch14_336();
  // From a Hugging Face CLIPConfig (with text_config and vision_config).
  static ClipOptions from_hf_config(const nlohmann::json& config, const std::string& source);
  // A few-layer CLIP for tests and ShapesWorld (32-px images, the OpenAI vocabulary).
  static ClipOptions tiny();
  // The Hugging Face CLIPConfig for these options.
  nlohmann::json to_hf_config() const;
};

ClipVisionOptions clip_vision_options_from_hf(const nlohmann::json& vision_config, const std::string& source);
ClipTextOptions clip_text_options_from_hf(const nlohmann::json& text_config, const std::string& source);
// Hugging Face CLIPVisionConfig / CLIPTextConfig JSON for these options.
nlohmann::json clip_vision_options_to_hf(const ClipVisionOptions& options);
nlohmann::json clip_text_options_to_hf(const ClipTextOptions& options);

}  // namespace viva
