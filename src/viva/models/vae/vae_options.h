#pragma once
// HunyuanVideo's causal 3D VAE configuration (AutoencoderKLCausal3D), hunyuanvideo.md §3.
#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace viva {

struct VaeOptions {
  std::vector<int64_t> block_out_channels = {128, 256, 512, 512};
  int64_t layers_per_block = 2;  // encoder resnets per block; the decoder has one more
  int64_t latent_channels = 16;
  int64_t norm_groups = 32;
  int64_t time_compression = 4;
  int64_t spatial_compression = 8;
  double scaling_factor = 0.476986;

  // Tiling (§3.6), in latent units; 0 disables. Tiles overlap by `tile_*` - `stride_*` latents
  // and are blended linearly over the overlap. Defaults follow the original implementation:
  // 32x32 latent tiles every 24 (256 px every 192), 17 latent frames every 12.
  int64_t tile_latent_size = 32;
  int64_t tile_latent_stride = 24;
  int64_t tile_latent_frames = 17;
  int64_t tile_latent_frame_stride = 12;

  int64_t num_blocks() const { return static_cast<int64_t>(block_out_channels.size()); }
  int64_t spatial_stages() const;  // log2(spatial_compression)
  int64_t time_stages() const;     // log2(time_compression)
  // Which encoder block i downsamples (and decoder block i upsamples) in space / time, as the
  // reference assigns them: space in the first stages, time in the last ones before the final block.
  bool spatial_resample(int64_t i) const { return i < spatial_stages(); }
  bool time_resample(int64_t i) const { return i >= num_blocks() - 1 - time_stages() && i != num_blocks() - 1; }
  // (t, h, w) factor of block i's resampler; {1, 1, 1} when it has none.
  std::array<int64_t, 3> resample_factor(int64_t i) const {
    const int64_t t = time_resample(i) ? 2 : 1, s = spatial_resample(i) ? 2 : 1;
    return {t, s, s};
  }

  static VaeOptions hunyuan();
  static VaeOptions tiny();
  // From the reference/diffusers config keys (the golden fixture's metadata, vae/config.json).
  static VaeOptions from_json(const nlohmann::json& config, const std::string& source);
  // The diffusers vae/config.json keys that from_json reads.
  nlohmann::json to_json() const;
  void validate(const std::string& source) const;
};

}  // namespace viva
