#include "viva/data/toy_pairs.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "viva/data/manifest.h"
#include "viva/io/video_writer.h"

namespace viva {
namespace {

// A vertical two-colour gradient with a soft-edged disc moving across it: smooth content that a
// small VAE learns quickly.
VideoFrames smooth_clip(int frames, int size, int seed) {
  VideoFrames clip(frames, size, size, 24.0);
  const double top[3] = {40.0 + 50 * (seed % 3), 90.0, 200.0 - 40 * (seed % 2)};
  const double bottom[3] = {220.0, 160.0 - 30 * (seed % 2), 60.0 + 40 * (seed % 3)};
  const double disc[3] = {250.0, 220.0 - 60 * (seed % 2), 40.0};
  for (int t = 0; t < frames; ++t) {
    const double cx = size * (0.3 + 0.4 * t / std::max(1, frames - 1)), cy = size * (0.35 + 0.1 * (seed % 3));
    const double radius = size * 0.15;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        const double g = static_cast<double>(y) / (size - 1);
        const double d = std::sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
        const double inside = std::clamp(radius + 0.5 - d, 0.0, 1.0);
        uint8_t* p = clip.frame(t) + (static_cast<std::size_t>(y) * size + x) * 3;
        for (int ch = 0; ch < 3; ++ch)
          p[ch] = static_cast<uint8_t>(std::lround((1 - inside) * (top[ch] * (1 - g) + bottom[ch] * g) + inside * disc[ch]));
      }
  }
  return clip;
}

}  // namespace

std::string write_inversion_pairs(const std::string& folder, int count, int size, int frames) {
  namespace fs = std::filesystem;
  fs::create_directories(folder);
  std::vector<ManifestRow> rows;
  for (int i = 0; i < count; ++i) {
    const bool image = i >= (count + 1) / 2;
    VideoFrames source = smooth_clip(image ? 1 : frames, size, i);
    VideoFrames target = source, mask = source;
    std::fill(mask.pixels.begin(), mask.pixels.end(), 0);
    const int x0 = (size / 8) * (1 + i % 4), y0 = size / 4, side = size / 2;
    for (int t = 0; t < source.frames; ++t)
      for (int y = y0; y < std::min(size, y0 + side); ++y)
        for (int x = x0; x < std::min(size, x0 + side); ++x)
          for (int ch = 0; ch < 3; ++ch) {
            const std::size_t at = ((static_cast<std::size_t>(t) * size + y) * size + x) * 3 + ch;
            target.pixels[at] = static_cast<uint8_t>(255 - target.pixels[at]);
            mask.pixels[at] = 255;
          }
    ManifestRow r;
    r.id = "pair" + std::to_string(i);
    r.kind = image ? SampleKind::Image : SampleKind::Video;
    r.task = "attribute";
    r.source = (fs::path(folder) / (r.id + "_source.mkv")).string();
    r.target = (fs::path(folder) / (r.id + "_target.mkv")).string();
    r.mask = (fs::path(folder) / (r.id + "_mask.mkv")).string();
    r.instruction = "invert the colours in box " + std::to_string(i);
    r.source_caption = "a yellow disc moving over a colour gradient";
    r.target_caption = r.source_caption + ", with the colours inverted in box " + std::to_string(i);
    write_video(r.source, source);
    write_video(r.target, target);
    write_video(r.mask, mask);
    rows.push_back(r);
  }
  const std::string manifest = (fs::path(folder) / "manifest.jsonl").string();
  write_manifest(manifest, rows);
  return manifest;
}

}  // namespace viva
