#pragma once
// HunyuanVideo DiT configuration (original HYVideoDiffusionTransformer field names) plus VIVA's
// additions: the source-latent context projector and the optional reference frame.
#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace viva {

struct DitOptions {
  int64_t hidden_size = 3072;
  int64_t heads = 24;
  int64_t double_blocks = 20;
  int64_t single_blocks = 40;
  int64_t refiner_blocks = 2;
  double mlp_ratio = 4.0;
  std::array<int64_t, 3> patch = {1, 2, 2};  // (t, h, w)
  int64_t in_channels = 16;
  int64_t out_channels = 16;
  std::array<int64_t, 3> rope_dims = {16, 56, 56};  // sums to the head dimension
  double rope_theta = 256.0;
  int64_t text_dim = 4096;    // LLM hidden states
  int64_t pooled_dim = 768;   // CLIP-L pooled text vector
  bool guidance_embed = true; // guidance-distilled checkpoints embed 1000 x scale
  // VIVA (paper §3.2, Eq. 2): a second patch embedding for the source latent and
  // Linear(2d -> d) over the channel-concatenated tokens.
  bool context_projector = false;

  int64_t head_dim() const { return hidden_size / heads; }
  int64_t mlp_hidden() const { return static_cast<int64_t>(hidden_size * mlp_ratio); }
  int64_t patch_volume() const { return patch[0] * patch[1] * patch[2]; }

  // The released 13B T2V model ("HYVideo-T/2-cfgdistill").
  static DitOptions hunyuan_13b();
  // A small configuration for tests and ShapesWorld.
  static DitOptions tiny();
  // From the original class's keyword names (the golden fixtures' metadata) or a diffusers
  // transformer/config.json (num_layers, num_single_layers, ...).
  static DitOptions from_json(const nlohmann::json& config, const std::string& source);
  // In the original keyword names (what from_json reads back), plus context_projector.
  nlohmann::json to_json() const;
  // The diffusers HunyuanVideoTransformer3DModel config.json of a text-to-video DiT (what
  // hunyuanvideo-community/HunyuanVideo ships); from_json reads it back.
  nlohmann::json to_diffusers_config() const;
  // The keys of to_json() that with_architecture may replace: sizes, depths, patch and RoPE.
  static const std::vector<std::string>& architecture_keys();
  // These options with architecture keys replaced by `patch`'s; any other key, e.g. the channels
  // or text widths that follow the other components, is an error naming `source`.
  DitOptions with_architecture(const nlohmann::json& patch, const std::string& source) const;
  void validate(const std::string& source) const;
};

}  // namespace viva
