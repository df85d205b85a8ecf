#include "viva/io/line_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "viva/io/caption_strip.h"

namespace viva {
namespace {

void put(Image& image, int x, int y, const uint8_t (&rgb)[3]) {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  std::copy(rgb, rgb + 3, image.at(x, y));
}

// Bresenham, two pixels thick.
void line(Image& image, int x0, int y0, int x1, int y1, const uint8_t (&rgb)[3]) {
  const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  int err = dx + dy;
  while (true) {
    put(image, x0, y0, rgb);
    put(image, x0, y0 + 1, rgb);
    if (x0 == x1 && y0 == y1) break;
    const int e2 = 2 * err;
    if (e2 >= dy) { err += dy; x0 += sx; }
    if (e2 <= dx) { err += dx; y0 += sy; }
  }
}

}  // namespace

Image plot_series(const std::vector<double>& values, const std::string& title, int width, int height) {
  Image plot(width, height, 255);
  const uint8_t axis[3] = {90, 90, 90}, curve[3] = {200, 40, 40};
  const int left = 8, right = width - 8, top = 8, bottom = height - 8;
  line(plot, left, bottom, right, bottom, axis);
  line(plot, left, top, left, bottom, axis);
  std::vector<double> finite;
  for (double v : values)
    if (std::isfinite(v)) finite.push_back(v);
  const bool log_scale = !finite.empty() && *std::min_element(finite.begin(), finite.end()) > 0;
  auto scaled = [&](double v) { return log_scale ? std::log10(v) : v; };
  double lo = 0, hi = 1;
  if (!finite.empty()) {
    lo = scaled(*std::min_element(finite.begin(), finite.end()));
    hi = scaled(*std::max_element(finite.begin(), finite.end()));
  }
  if (hi - lo < 1e-12) hi = lo + 1;
  int px = -1, py = -1;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) continue;
    const double fx = values.size() > 1 ? static_cast<double>(i) / (values.size() - 1) : 0.5;
    const int x = left + static_cast<int>(std::lround(fx * (right - left)));
    const int y = bottom - static_cast<int>(std::lround((scaled(values[i]) - lo) / (hi - lo) * (bottom - top)));
    if (px >= 0) line(plot, px, py, x, y, curve);
    px = x;
    py = y;
  }
  char range[160];
  std::snprintf(range, sizeof range, "  (%zu points, %s from %.4g to %.4g)", values.size(),
                log_scale ? "log scale" : "linear", finite.empty() ? 0.0 : finite.front(),
                finite.empty() ? 0.0 : finite.back());
  const Image caption = render_caption(title + range, width);
  Image out(width, caption.height + height);
  std::copy(caption.rgb.begin(), caption.rgb.end(), out.rgb.begin());
  std::copy(plot.rgb.begin(), plot.rgb.end(), out.rgb.begin() + static_cast<std::ptrdiff_t>(caption.rgb.size()));
  return out;
}

}  // namespace viva
