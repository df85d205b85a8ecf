#include "viva/io/video_frames.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "viva/core/error.h"
#include "viva/io/ffmpeg_backend.h"

namespace viva {

VideoFrames::VideoFrames(int frames_, int height_, int width_, double fps_)
    : frames(frames_), height(height_), width(width_), fps(fps_),
      pixels(static_cast<std::size_t>(frames_) * height_ * width_ * 3) {}

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
  const auto scaler = make_rgb_scaler(video.width, video.height, scaled_w, scaled_h);

  VideoFrames out(video.frames, height, width, video.fps);
  std::vector<uint8_t> scaled(static_cast<std::size_t>(scaled_w) * scaled_h * 3);
  const int x0 = (scaled_w - width) / 2;
  const int y0 = (scaled_h - height) / 2;
  for (int t = 0; t < video.frames; ++t) {
    scaler->scale(video.frame(t), scaled.data());
    uint8_t* dst = out.frame(t);
    for (int y = 0; y < height; ++y)
      std::memcpy(dst + static_cast<std::size_t>(y) * width * 3,
                  scaled.data() + (static_cast<std::size_t>(y + y0) * scaled_w + x0) * 3,
                  static_cast<std::size_t>(width) * 3);
  }
  return out;
}

VideoFrames fit_for_model(const VideoFrames& video, int width, int height) {
  return apply_frame_count_policy(resize_center_crop(video, width, height), FrameCountPolicy::Truncate);
}

VideoFrames resize_video(const VideoFrames& video, int width, int height) {
  if (width <= 0 || height <= 0)
    throw Error("resizing video", "target size " + std::to_string(width) + "x" + std::to_string(height) + " must be positive");
  if (video.frames == 0 || video.width <= 0 || video.height <= 0) throw Error("resizing video", "the video has no frames");
  if (video.width == width && video.height == height) return video;
  const auto scaler = make_rgb_scaler(video.width, video.height, width, height);
  VideoFrames out(video.frames, height, width, video.fps);
  for (int t = 0; t < video.frames; ++t) scaler->scale(video.frame(t), out.frame(t));
  return out;
}

std::pair<int, int> fit_aspect_to_budget(int width, int height, int budget_pixels) {
  if (width <= 0 || height <= 0 || budget_pixels < 256)
    throw Error("working size", "cannot fit " + std::to_string(width) + "x" + std::to_string(height) + " into " +
                                    std::to_string(budget_pixels) + " pixels");
  const double aspect = static_cast<double>(width) / height;
  const auto multiple_of_16 = [](double v) { return std::max(16, static_cast<int>(std::lround(v / 16.0)) * 16); };
  const int w = multiple_of_16(std::sqrt(budget_pixels * aspect));
  const int h = multiple_of_16(std::sqrt(budget_pixels / aspect));
  return {w, h};
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

std::pair<int, int> parse_frame_size(const std::string& text) {
  auto parse_int = [&](const std::string& s) {
    std::size_t used = 0;
    int value = 0;
    try {
      value = std::stoi(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || value <= 0) throw Error("size '" + text + "'", "expected WIDTHxHEIGHT or N, e.g. 256x256");
    return value;
  };
  const auto x = text.find('x');
  if (x == std::string::npos) {
    const int n = parse_int(text);
    return {n, n};
  }
  return {parse_int(text.substr(0, x)), parse_int(text.substr(x + 1))};
}

std::vector<int> evenly_spaced_indices(int total, int count) {
  std::vector<int> out;
  if (total <= 0 || count <= 0) return out;
  if (count >= total) {
    for (int i = 0; i < total; ++i) out.push_back(i);
    return out;
  }
  if (count == 1) return {(total - 1) / 2};
  for (int i = 0; i < count; ++i)
    out.push_back(static_cast<int>(std::lround(static_cast<double>(i) * (total - 1) / (count - 1))));
  return out;
}


}  // namespace viva
