#include "viva/io/video_frames.h"

extern "C" {
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "viva/core/error.h"

namespace viva {

VideoFrames::VideoFrames(int frames_, int height_, int width_, double fps_)
    : frames(frames_), height(height_), width(width_), fps(fps_),
      pixels(static_cast<std::size_t>(frames_) * height_ * width_ * 3) {}

namespace {

// Scales one RGB24 frame with swscale.
void scale_frame(const uint8_t* src, int src_w, int src_h, uint8_t* dst, int dst_w, SwsContext* ctx) {
  const uint8_t* src_planes[4] = {src, nullptr, nullptr, nullptr};
  int src_strides[4] = {src_w * 3, 0, 0, 0};
  uint8_t* dst_planes[4] = {dst, nullptr, nullptr, nullptr};
  int dst_strides[4] = {dst_w * 3, 0, 0, 0};
  sws_scale(ctx, src_planes, src_strides, 0, src_h, dst_planes, dst_strides);
}

}  // namespace

VideoFrames resize_center_crop(const VideoFrames& video, int width, int height) {
  if (width <= 0 || height <= 0 || width % 16 != 0 || height % 16 != 0)
    throw Error("resizing video", "target size " + std::to_string(width) + "x" + std::to_string(height) +
                                      " must be positive multiples of 16");
  if (video.frames == 0 || video.width <= 0 || video.height <= 0)
    throw Error("resizing video", "the video has no frames");
  if (video.width == width && video.height == height) return video;

  const double scale = std::max(static_cast<double>(width) / video.width, static_cast<double>(height) / video.height);
  const int scaled_w = std::max(width, static_cast<int>(std::lround(video.width * scale)));
  const int scaled_h = std::max(height, static_cast<int>(std::lround(video.height * scale)));
  const int flags = (scale < 1.0 ? SWS_AREA : SWS_BICUBIC) | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT;
  SwsContext* ctx = sws_getContext(video.width, video.height, AV_PIX_FMT_RGB24, scaled_w, scaled_h,
                                   AV_PIX_FMT_RGB24, flags, nullptr, nullptr, nullptr);
  if (!ctx) throw Error("resizing video", "swscale could not set up the conversion");

  VideoFrames out(video.frames, height, width, video.fps);
  std::vector<uint8_t> scaled(static_cast<std::size_t>(scaled_w) * scaled_h * 3);
  const int x0 = (scaled_w - width) / 2;
  const int y0 = (scaled_h - height) / 2;
  for (int t = 0; t < video.frames; ++t) {
    scale_frame(video.frame(t), video.width, video.height, scaled.data(), scaled_w, ctx);
    uint8_t* dst = out.frame(t);
    for (int y = 0; y < height; ++y)
      std::memcpy(dst + static_cast<std::size_t>(y) * width * 3,
                  scaled.data() + (static_cast<std::size_t>(y + y0) * scaled_w + x0) * 3,
                  static_cast<std::size_t>(width) * 3);
  }
  sws_freeContext(ctx);
  return out;
}

bool is_vae_frame_count(int frames) { return frames >= 1 && (frames - 1) % 4 == 0; }

int conform_frame_count(int frames, FrameCountPolicy policy) {
  if (frames < 1) throw Error("conforming frame count", "the video has no frames");
  const int k = (frames - 1) / 4;
  if (policy == FrameCountPolicy::Truncate || is_vae_frame_count(frames)) return 4 * k + 1;
  return 4 * (k + 1) + 1;
}

VideoFrames apply_frame_count_policy(const VideoFrames& video, FrameCountPolicy policy) {
  const int target = conform_frame_count(video.frames, policy);
  if (target == video.frames) return video;
  VideoFrames out(target, video.height, video.width, video.fps);
  for (int t = 0; t < target; ++t)
    std::memcpy(out.frame(t), video.frame(std::min(t, video.frames - 1)), video.frame_bytes());
  return out;
}

FrameCountPolicy parse_frame_count_policy(const std::string& name) {
  if (name == "truncate") return FrameCountPolicy::Truncate;
  if (name == "pad") return FrameCountPolicy::PadLast;
  throw Error("frame count policy", "'" + name + "' is not one of: truncate, pad");
}

double psnr(const VideoFrames& a, const VideoFrames& b) {
  if (a.frames != b.frames || a.height != b.height || a.width != b.width)
    throw Error("computing PSNR", "videos differ in shape");
  if (a.pixels.empty()) return std::numeric_limits<double>::infinity();
  double sum = 0.0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = static_cast<double>(a.pixels[i]) - b.pixels[i];
    sum += d * d;
  }
  const double mse = sum / static_cast<double>(a.pixels.size());
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace viva
