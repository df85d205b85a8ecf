#include "viva/shapes/world/style.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace viva::shapes {
namespace {

std::vector<float> luma_of(const uint8_t* in, int width, int height) {
  std::vector<float> luma(static_cast<std::size_t>(width) * height);
  for (std::size_t i = 0; i < luma.size(); ++i)
    luma[i] = 0.299f * in[3 * i] + 0.587f * in[3 * i + 1] + 0.114f * in[3 * i + 2];
  return luma;
}

uint8_t to_byte(float v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

// Dark lines where the brightness changes, on white: a pencil sketch.
void sketch(const uint8_t* in, uint8_t* out, int width, int height) {
  const std::vector<float> luma = luma_of(in, width, height);
  auto at = [&](int x, int y) {
    return luma[static_cast<std::size_t>(std::clamp(y, 0, height - 1)) * width + std::clamp(x, 0, width - 1)];
  };
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const float gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) -
                       at(x - 1, y + 1);
      const float gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) -
                       at(x + 1, y - 1);
      const uint8_t v = to_byte(255 - 0.6f * std::sqrt(gx * gx + gy * gy));
      uint8_t* p = out + (static_cast<std::size_t>(y) * width + x) * 3;
      p[0] = p[1] = p[2] = v;
    }
}

void pixelate(const uint8_t* in, uint8_t* out, int width, int height) {
  const int block = std::max(2, std::min(width, height) / 16);
  for (int by = 0; by < height; by += block)
    for (int bx = 0; bx < width; bx += block) {
      float sum[3] = {0, 0, 0};
      int count = 0;
      for (int y = by; y < std::min(height, by + block); ++y)
        for (int x = bx; x < std::min(width, bx + block); ++x, ++count)
          for (int c = 0; c < 3; ++c) sum[c] += in[(static_cast<std::size_t>(y) * width + x) * 3 + c];
      for (int y = by; y < std::min(height, by + block); ++y)
        for (int x = bx; x < std::min(width, bx + block); ++x)
          for (int c = 0; c < 3; ++c) out[(static_cast<std::size_t>(y) * width + x) * 3 + c] = to_byte(sum[c] / count);
    }
}

}  // namespace

void apply_style(Style style, const uint8_t* in, uint8_t* out, int width, int height) {
  const std::size_t n = static_cast<std::size_t>(width) * height;
  switch (style) {
    case Style::None:
      if (in != out) std::copy(in, in + 3 * n, out);
      return;
    case Style::Sketch: {
      if (in == out) {
        const std::vector<uint8_t> copy(in, in + 3 * n);
        sketch(copy.data(), out, width, height);
      } else {
        sketch(in, out, width, height);
      }
      return;
    }
    case Style::Pixelate: {
      const std::vector<uint8_t> copy(in, in + 3 * n);
      pixelate(copy.data(), out, width, height);
      return;
    }
    case Style::Posterise:
      for (std::size_t i = 0; i < 3 * n; ++i) out[i] = to_byte(std::round(in[i] / 127.5f) * 127.5f);
      return;
    case Style::Invert:
      for (std::size_t i = 0; i < 3 * n; ++i) out[i] = static_cast<uint8_t>(255 - in[i]);
      return;
    case Style::Grayscale:
      for (std::size_t i = 0; i < n; ++i) {
        const uint8_t v = to_byte(0.299f * in[3 * i] + 0.587f * in[3 * i + 1] + 0.114f * in[3 * i + 2]);
        out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = v;
      }
      return;
  }
}

}  // namespace viva::shapes
