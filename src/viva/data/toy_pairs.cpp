#include "viva/data/toy_pairs.h"

#include <algorithm>
#include <filesystem>

#include "viva/data/manifest.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_writer.h"

namespace viva {

std::string write_inversion_pairs(const std::string& folder, int count, int size, int frames) {
  namespace fs = std::filesystem;
  fs::create_directories(folder);
  std::vector<ManifestRow> rows;
  for (int i = 0; i < count; ++i) {
    const bool image = i >= (count + 1) / 2;
    VideoFrames source = make_test_pattern(image ? 1 : frames, size, size, 24);
    for (auto& p : source.pixels) p = static_cast<uint8_t>((p + 37 * i) % 256);
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
