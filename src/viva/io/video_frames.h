#pragma once
// Decoded video in memory and the geometric operations every model input goes through.
// No torch here: tensor conversion lives in nn/media_tensors.h.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace viva {

// RGB frames, uint8, row-major [frames, height, width, 3].
struct VideoFrames {
  int frames = 0;
  int height = 0;
  int width = 0;
  double fps = 0.0;
  std::vector<uint8_t> pixels;

  VideoFrames() = default;
  VideoFrames(int frames, int height, int width, double fps);

  std::size_t frame_bytes() const { return static_cast<std::size_t>(height) * width * 3; }
  uint8_t* frame(int t) { return pixels.data() + static_cast<std::size_t>(t) * frame_bytes(); }
  const uint8_t* frame(int t) const { return pixels.data() + static_cast<std::size_t>(t) * frame_bytes(); }
};

// Scales so the frame covers width x height, then crops the centre: the aspect ratio is kept
// and nothing is letterboxed. Both sizes must be positive multiples of 16 (the VAE compresses
// space 8x and the DiT patches latents 2x2). Area filtering when shrinking, bicubic otherwise.
VideoFrames resize_center_crop(const VideoFrames& video, int width, int height);

// What every model input goes through: resize_center_crop to width x height, then the frame
// count cut to 4k+1 (FrameCountPolicy::Truncate).
VideoFrames fit_for_model(const VideoFrames& video, int width, int height);

// Scales every frame to exactly width x height (any positive size; the aspect follows).
VideoFrames resize_video(const VideoFrames& video, int width, int height);

// The working size for a width x height source: multiples of 16 nearest to the source's aspect
// ratio at about `budget_pixels` pixels (the model's default width x height).
std::pair<int, int> fit_aspect_to_budget(int width, int height, int budget_pixels);

// The causal VAE encodes 1 + 4k frames (the first alone, then groups of four).
enum class FrameCountPolicy {
  Truncate,  // drop trailing frames down to the largest 4k+1 <= T (the default: no invented content)
  PadLast,   // repeat the last frame up to the smallest 4k+1 >= T
};

bool is_vae_frame_count(int frames);
int conform_frame_count(int frames, FrameCountPolicy policy);
VideoFrames apply_frame_count_policy(const VideoFrames& video, FrameCountPolicy policy);
FrameCountPolicy parse_frame_count_policy(const std::string& name);  // "truncate" | "pad"

// "WxH" or "N" (square) -> {width, height}; anything else is an error quoting the text.
std::pair<int, int> parse_frame_size(const std::string& text);

// `count` frame indices spread evenly over `total` frames, first and last included (one frame:
// the middle one; count >= total: every frame).
std::vector<int> evenly_spaced_indices(int total, int count);

// Peak signal-to-noise ratio in dB between two videos of the same shape (infinity if equal).
double psnr(const VideoFrames& a, const VideoFrames& b);

}  // namespace viva
