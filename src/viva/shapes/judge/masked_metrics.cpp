#include "viva/shapes/judge/masked_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

namespace viva::shapes {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool masked(const VideoFrames& mask, std::size_t pixel) {
  const uint8_t* m = mask.pixels.data() + 3 * pixel;
  return m[0] > 127 || m[1] > 127 || m[2] > 127;
}

std::vector<double> luma_of(const uint8_t* rgb, int width, int height) {
  std::vector<double> luma(static_cast<std::size_t>(width) * height);
  for (std::size_t i = 0; i < luma.size(); ++i)
    luma[i] = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
  return luma;
}

// Sums over a (2r+1)^2 window, clamped at the borders, through a summed-area table.
struct BoxSums {
  int width, height;
  std::vector<double> table;  // (width + 1) x (height + 1)
  BoxSums(const std::vector<double>& v, int w, int h)
      : width(w), height(h), table(static_cast<std::size_t>(w + 1) * (h + 1), 0) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        at(x + 1, y + 1) = v[static_cast<std::size_t>(y) * w + x] + at(x, y + 1) + at(x + 1, y) - at(x, y);
  }
  double& at(int x, int y) { return table[static_cast<std::size_t>(y) * (width + 1) + x]; }
  double at(int x, int y) const { return table[static_cast<std::size_t>(y) * (width + 1) + x]; }
  // Mean over the window around (x, y) and its pixel count.
  double mean(int x, int y, int r) const {
    const int x0 = std::max(0, x - r), y0 = std::max(0, y - r), x1 = std::min(width, x + r + 1),
              y1 = std::min(height, y + r + 1);
    return (at(x1, y1) - at(x0, y1) - at(x1, y0) + at(x0, y0)) / ((x1 - x0) * (y1 - y0));
  }
};

}  // namespace

double psnr_outside_mask(const VideoFrames& a, const VideoFrames& b, const VideoFrames& mask) {
  const std::size_t pixels = a.pixels.size() / 3;
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < pixels; ++i) {
    if (masked(mask, i)) continue;
    for (int c = 0; c < 3; ++c) {
      const double d = static_cast<double>(a.pixels[3 * i + c]) - b.pixels[3 * i + c];
      sum += d * d;
    }
    count += 3;
  }
  if (count == 0) return kNaN;
  if (sum == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(255.0 * 255.0 / (sum / static_cast<double>(count)));
}

double ssim_outside_mask(const VideoFrames& a, const VideoFrames& b, const VideoFrames& mask) {
  constexpr int r = 3;
  const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
  const int w = a.width, h = a.height;
  double total = 0;
  std::size_t count = 0;
  for (int t = 0; t < a.frames; ++t) {
    // Inside the mask `a` takes b's pixels, so windows that straddle the mask's edge compare only
    // what lies outside it.
    const std::size_t first = static_cast<std::size_t>(t) * w * h;
    std::vector<uint8_t> outside(a.frame(t), a.frame(t) + a.frame_bytes());
    for (std::size_t i = 0; i < static_cast<std::size_t>(w) * h; ++i)
      if (masked(mask, first + i))
        std::copy(b.frame(t) + 3 * i, b.frame(t) + 3 * i + 3, outside.begin() + static_cast<std::ptrdiff_t>(3 * i));
    const std::vector<double> la = luma_of(outside.data(), w, h), lb = luma_of(b.frame(t), w, h);
    std::vector<double> aa(la.size()), bb(la.size()), ab(la.size());
    for (std::size_t i = 0; i < la.size(); ++i) {
      aa[i] = la[i] * la[i];
      bb[i] = lb[i] * lb[i];
      ab[i] = la[i] * lb[i];
    }
    const BoxSums sa(la, w, h), sb(lb, w, h), saa(aa, w, h), sbb(bb, w, h), sab(ab, w, h);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        if (masked(mask, first + static_cast<std::size_t>(y) * w + x)) continue;
        const double ma = sa.mean(x, y, r), mb = sb.mean(x, y, r);
        const double va = saa.mean(x, y, r) - ma * ma, vb = sbb.mean(x, y, r) - mb * mb,
                     cov = sab.mean(x, y, r) - ma * mb;
        total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
        ++count;
      }
  }
  return count ? total / static_cast<double>(count) : kNaN;
}

double mean_frame_change(const VideoFrames& video) {
  if (video.frames < 2) return 0;
  double sum = 0;
  const std::size_t bytes = video.frame_bytes();
  for (int t = 1; t < video.frames; ++t) {
    const uint8_t* a = video.frame(t - 1);
    const uint8_t* b = video.frame(t);
    for (std::size_t i = 0; i < bytes; ++i) sum += std::abs(int{a[i]} - int{b[i]});
  }
  return sum / (static_cast<double>(bytes) * (video.frames - 1));
}

}  // namespace viva::shapes
