#include "viva/vlm/vlm_frames.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/io/video_reader.h"

namespace viva {
namespace {

bool is_frame_file(const std::filesystem::path& p) {
  const std::string ext = lower_extension(p.string());
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

}  // namespace

int64_t count_frames(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::is_directory(path)) {
    int64_t n = 0;
    std::error_code error;
    for (fs::directory_iterator it(path, error), end; !error && it != end; it.increment(error))
      if (it->is_regular_file() && is_frame_file(it->path())) ++n;
    return error ? 0 : n;
  }
  if (is_frame_file(path)) return 1;
  try {
    return probe_video(path).frame_count;
  } catch (const Error&) {
    return 0;  // read_video reports the real problem when the clip is read
  }
}

Image fit_within(const Image& image, int max_side) {
  const int longest = std::max(image.width, image.height);
  if (max_side <= 0 || longest <= max_side) return image;
  const double scale = static_cast<double>(max_side) / longest;
  const int w = std::max(1, static_cast<int>(std::lround(image.width * scale)));
  const int h = std::max(1, static_cast<int>(std::lround(image.height * scale)));
  Image out(w, h);
  // Each output pixel averages the source pixels its footprint covers (a box filter): no
  // aliasing when shrinking several times, which is the only direction used here.
  for (int y = 0; y < h; ++y) {
    const int y0 = static_cast<int>(static_cast<int64_t>(y) * image.height / h);
    const int y1 = std::max(y0 + 1, static_cast<int>(static_cast<int64_t>(y + 1) * image.height / h));
    for (int x = 0; x < w; ++x) {
      const int x0 = static_cast<int>(static_cast<int64_t>(x) * image.width / w);
      const int x1 = std::max(x0 + 1, static_cast<int>(static_cast<int64_t>(x + 1) * image.width / w));
      uint32_t sum[3] = {0, 0, 0};
      for (int sy = y0; sy < y1; ++sy)
        for (int sx = x0; sx < x1; ++sx) {
          const uint8_t* p = image.at(sx, sy);
          sum[0] += p[0];
          sum[1] += p[1];
          sum[2] += p[2];
        }
      const uint32_t n = static_cast<uint32_t>((y1 - y0) * (x1 - x0));
      uint8_t* q = out.at(x, y);
      for (int c = 0; c < 3; ++c) q[c] = static_cast<uint8_t>((sum[c] + n / 2) / n);
    }
  }
  return out;
}

Image frame_image(const VideoFrames& video, int t) {
  if (t < 0 || t >= video.frames) throw Error("taking a frame", "index " + std::to_string(t) + " out of range");
  Image image(video.width, video.height);
  std::memcpy(image.rgb.data(), video.frame(t), video.frame_bytes());
  return image;
}

std::vector<Image> sample_frames(const std::string& path, int count, int max_side, int64_t span) {
  if (count <= 0) throw Error("sampling frames of " + path, "the frame count must be positive");
  int64_t total = count_frames(path);
  if (span > 0) total = total > 0 ? std::min(total, span) : span;
  DecodeOptions options;
  // A stride that still decodes at least `count` frames (one: the middle one) and, when the
  // count is right, lands exactly on the evenly spaced ones.
  if (total > count) {
    const int64_t stride = std::max<int64_t>(1, count == 1 ? (total - 1) / 2 : (total - 1) / (count - 1));
    options.set_stride(static_cast<int>(stride));
  }
  if (span > 0) options.set_max_frames(static_cast<int>((total - 1) / options.stride + 1));
  VideoFrames video = read_video(path, options);
  // The container overstated its length: fewer frames came back than asked for.
  if (video.frames < count && options.stride > 1)
    video = read_video(path, DecodeOptions().set_max_frames(span > 0 ? static_cast<int>(span) : 0));
  if (video.frames == 0) throw file_error(path, "holds no frames");
  std::vector<Image> frames;
  for (int t : evenly_spaced_indices(video.frames, count)) frames.push_back(fit_within(frame_image(video, t), max_side));
  return frames;
}

}  // namespace viva
