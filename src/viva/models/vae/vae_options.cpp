#include "viva/models/vae/vae_options.h"

#include "viva/core/error.h"

namespace viva {
namespace {

int64_t log2_exact(int64_t n, const std::string& what, const std::string& source) {
  int64_t stages = 0;
  while ((int64_t{1} << stages) < n) ++stages;
  if ((int64_t{1} << stages) != n) throw Error(source, what + " must be a power of two");
  return stages;
}

}  // namespace

int64_t VaeOptions::spatial_stages() const { return log2_exact(spatial_compression, "spatial compression", "VAE options"); }
int64_t VaeOptions::time_stages() const { return log2_exact(time_compression, "time compression", "VAE options"); }

VaeOptions VaeOptions::hunyuan() { return VaeOptions(); }

VaeOptions VaeOptions::tiny() {
  VaeOptions o;
  o.block_out_channels = {16, 32, 32};
  o.layers_per_block = 1;
  o.latent_channels = 4;
  o.norm_groups = 8;
  o.spatial_compression = 4;
  return o;
}

nlohmann::json VaeOptions::to_json() const {
  return {{"_class_name", "AutoencoderKLHunyuanVideo"},
          {"block_out_channels", block_out_channels},
          {"layers_per_block", layers_per_block},
          {"latent_channels", latent_channels},
          {"norm_num_groups", norm_groups},
          {"temporal_compression_ratio", time_compression},
          {"spatial_compression_ratio", spatial_compression},
          {"scaling_factor", scaling_factor}};
}

VaeOptions VaeOptions::from_json(const nlohmann::json& c, const std::string& source) {
  VaeOptions o;
  try {
    o.block_out_channels = c.value("block_out_channels", o.block_out_channels);
    o.layers_per_block = c.value("layers_per_block", o.layers_per_block);
    o.latent_channels = c.value("latent_channels", o.latent_channels);
    o.norm_groups = c.value("norm_num_groups", o.norm_groups);
    o.time_compression = c.value("time_compression_ratio", c.value("temporal_compression_ratio", o.time_compression));
    o.spatial_compression = c.value("spatial_compression_ratio", o.spatial_compression);
    o.scaling_factor = c.value("scaling_factor", o.scaling_factor);
    for (const char* key : {"down_block_types", "up_block_types"})
      if (c.contains(key))
        for (const auto& type : c[key]) {
          const std::string t = type.get<std::string>();
          if (t.find("Causal3D") == std::string::npos && t.find("HunyuanVideo") == std::string::npos)
            throw Error(source, "block type '" + t + "' is not a causal 3D block");
        }
  } catch (const nlohmann::json::exception& e) {
    throw Error(source, std::string("bad VAE config: ") + e.what());
  }
  o.validate(source);
  return o;
}

void VaeOptions::validate(const std::string& source) const {
  if (block_out_channels.empty() || layers_per_block <= 0 || latent_channels <= 0 || norm_groups <= 0)
    throw Error(source, "VAE sizes must be positive");
  for (int64_t c : block_out_channels)
    if (c <= 0 || c % norm_groups != 0) throw Error(source, "VAE channels must be positive multiples of the norm groups");
  log2_exact(spatial_compression, "spatial compression", source);
  log2_exact(time_compression, "time compression", source);
  if (spatial_stages() > num_blocks() || time_stages() > num_blocks() - 1)
    throw Error(source, "too few VAE blocks for the requested compression");
  if (tile_latent_size < 0 || tile_latent_stride < 0 || tile_latent_frames < 0 || tile_latent_frame_stride < 0 ||
      (tile_latent_size > 0 && (tile_latent_stride <= 0 || tile_latent_stride > tile_latent_size)) ||
      (tile_latent_frames > 0 && (tile_latent_frame_stride <= 0 || tile_latent_frame_stride >= tile_latent_frames)))
    throw Error(source, "VAE tiles need 0 < stride <= size (frames: stride < size)");
}

}  // namespace viva
