#pragma once
// ViCLIP (OpenGVLab InternVideo/InternVid, metrics.md §3.5): a CLIP-style video-text model whose
// vision tower attends jointly over space and time (one CLS token, every patch of every frame)
// and whose text tower is OpenAI CLIP's with a context of 32 tokens. Sizes follow the
// reference's keyword arguments.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace viva {

struct ViclipOptions {
  int64_t input_resolution = 224;
  int64_t patch_size = 14;
  int64_t vision_width = 1024;
  int64_t vision_layers = 24;
  int64_t vision_heads = 16;
  int64_t num_frames = 8;
  int64_t embed_dim = 768;
  int64_t context_length = 32;
  int64_t vocab_size = 49408;
  int64_t text_width = 768;
  int64_t text_layers = 12;
  int64_t text_heads = 12;
  double layer_norm_eps = 1e-5;

  int64_t patches() const { return (input_resolution / patch_size) * (input_resolution / patch_size); }
  // ViClip-InternVid-10M-FLT (ViT-L/14, 8 frames, text context 32).
  static ViclipOptions viclip_l14();
  // From the reference's argument names (input_resolution, patch_size, vision_width, ...).
  static ViclipOptions from_json(const nlohmann::json& config, const std::string& source);
  void validate(const std::string& source) const;
};

}  // namespace viva
