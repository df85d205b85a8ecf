#include "viva/io/test_pattern.h"

#include <algorithm>
#include <cmath>

namespace viva {

VideoFrames make_test_pattern(int frames, int height, int width, double fps) {
  VideoFrames video(frames, height, width, fps);
  const double side = 0.3 * std::min(width, height);
  for (int t = 0; t < frames; ++t) {
    const double phase = frames > 1 ? static_cast<double>(t) / (frames - 1) : 0.0;
    const double cx = (0.2 + 0.6 * phase) * width;
    const double cy = (0.5 + 0.25 * std::sin(phase * 6.2831853)) * height;
    uint8_t* frame = video.frame(t);
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const double u = static_cast<double>(x) / width, v = static_cast<double>(y) / height;
        double r = 40 + 150 * u + 30 * phase, g = 60 + 120 * v, b = 170 - 90 * u + 40 * phase;
        // Soft square: coverage falls off over ~2 pixels at the edges.
        const double dx = std::abs(x + 0.5 - cx) - side / 2, dy = std::abs(y + 0.5 - cy) - side / 2;
        const double coverage = std::clamp(0.5 - std::max(dx, dy) / 2.0, 0.0, 1.0);
        r = r * (1 - coverage) + 235 * coverage;
        g = g * (1 - coverage) + 200 * coverage;
        b = b * (1 - coverage) + 40 * coverage;
        uint8_t* p = frame + (static_cast<std::size_t>(y) * width + x) * 3;
        p[0] = static_cast<uint8_t>(std::lround(std::clamp(r, 0.0, 255.0)));
        p[1] = static_cast<uint8_t>(std::lround(std::clamp(g, 0.0, 255.0)));
        p[2] = static_cast<uint8_t>(std::lround(std::clamp(b, 0.0, 255.0)));
      }
    }
  }
  return video;
}

}  // namespace viva
