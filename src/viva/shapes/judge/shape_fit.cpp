#include "viva/shapes/judge/shape_fit.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "viva/shapes/world/shape_geometry.h"

namespace viva::shapes {
namespace {

constexpr double kPi = 3.14159265358979;

// The region's pixels on a small local grid around it.
struct Window {
  int x0 = 0, y0 = 0, w = 0, h = 0;
  std::vector<uint8_t> member;
  uint8_t at(int x, int y) const { return member[static_cast<std::size_t>((y - y0) * w + (x - x0))]; }
};

Window window_around(const ObjectRegion& region, int width, int height, int margin) {
  int x_lo = width, x_hi = -1, y_lo = height, y_hi = -1;
  for (int i : region.pixels) {
    x_lo = std::min(x_lo, i % width);
    x_hi = std::max(x_hi, i % width);
    y_lo = std::min(y_lo, i / width);
    y_hi = std::max(y_hi, i / width);
  }
  Window win;
  win.x0 = std::max(0, x_lo - margin);
  win.y0 = std::max(0, y_lo - margin);
  win.w = std::min(width - 1, x_hi + margin) - win.x0 + 1;
  win.h = std::min(height - 1, y_hi + margin) - win.y0 + 1;
  win.member.assign(static_cast<std::size_t>(win.w) * win.h, 0);
  for (int i : region.pixels)
    win.member[static_cast<std::size_t>((i / width - win.y0) * win.w + (i % width - win.x0))] = 1;
  return win;
}

// Background pixels enclosed by the region (not reachable from the window's border).
int hole_pixels(const Window& win) {
  std::vector<uint8_t> reached(win.member.size(), 0);
  std::vector<int> stack;
  auto push = [&](int x, int y) {
    const std::size_t i = static_cast<std::size_t>(y * win.w + x);
    if (!win.member[i] && !reached[i]) {
      reached[i] = 1;
      stack.push_back(static_cast<int>(i));
    }
  };
  for (int x = 0; x < win.w; ++x) {
    push(x, 0);
    push(x, win.h - 1);
  }
  for (int y = 0; y < win.h; ++y) {
    push(0, y);
    push(win.w - 1, y);
  }
  while (!stack.empty()) {
    const int i = stack.back();
    stack.pop_back();
    const int x = i % win.w, y = i / win.w;
    if (x > 0) push(x - 1, y);
    if (x + 1 < win.w) push(x + 1, y);
    if (y > 0) push(x, y - 1);
    if (y + 1 < win.h) push(x, y + 1);
  }
  int holes = 0;
  for (std::size_t i = 0; i < win.member.size(); ++i) holes += !win.member[i] && !reached[i];
  return holes;
}

double overlap(const ObjectRegion& region, const Window& win, ShapeKind shape, double size, double angle) {
  const float c = static_cast<float>(std::cos(angle)), s = static_cast<float>(std::sin(angle));
  const float inv = static_cast<float>(1.0 / size);
  const float cx = static_cast<float>(region.x), cy = static_cast<float>(region.y);
  int inside = 0, both = 0;
  for (int y = win.y0; y < win.y0 + win.h; ++y)
    for (int x = win.x0; x < win.x0 + win.w; ++x) {
      const float dx = x + 0.5f - cx, dy = y + 0.5f - cy;
      const bool in = unit_contains(shape, (c * dx + s * dy) * inv, (-s * dx + c * dy) * inv);
      inside += in;
      both += in && win.at(x, y);
    }
  const double uni = static_cast<double>(region.pixels.size()) + inside - both;
  return uni > 0 ? both / uni : 0.0;
}

}  // namespace

ShapeFit fit_shape(const ObjectRegion& region, int width, int height) {
  ShapeFit best;
  if (region.pixels.empty() || region.area <= 0) return best;
  const double largest = std::sqrt(region.area / geometry_of(ShapeKind::Diamond).area);  // the thinnest shape
  const int margin = static_cast<int>(std::ceil(0.2 * largest)) + 2;
  const Window win = window_around(region, width, height, margin);
  const int holes = hole_pixels(win);
  best.hole = holes >= std::max(2.0, 0.04 * static_cast<double>(region.pixels.size()));
  std::vector<ShapeKind> candidates;
  if (best.hole) {
    candidates = {ShapeKind::Ring};
  } else {
    for (ShapeKind s : all_shapes())
      if (s != ShapeKind::Ring) candidates.push_back(s);
  }
  // Every candidate on a coarse grid of angles, then the two best refined around their best angle.
  struct Coarse {
    ShapeKind shape;
    double size, angle, iou, step;
  };
  std::vector<Coarse> coarse;
  for (ShapeKind shape : candidates) {
    const ShapeGeometry& g = geometry_of(shape);
    // Hole pixels are part of a ring's outline area but not of its pixels.
    const double size = std::sqrt(region.area / g.area);
    const int steps = g.symmetry > 0 ? static_cast<int>(std::ceil(g.symmetry / (kPi / 18))) : 1;
    const double step = g.symmetry > 0 ? g.symmetry / steps : 0;
    Coarse c{shape, size, 0, -1, step};
    for (int k = 0; k < steps; ++k) {
      const double iou = overlap(region, win, shape, size, k * step);
      if (iou > c.iou) {
        c.iou = iou;
        c.angle = k * step;
      }
    }
    coarse.push_back(c);
  }
  std::sort(coarse.begin(), coarse.end(), [](const Coarse& a, const Coarse& b) { return a.iou > b.iou; });
  best.iou = -1;
  for (std::size_t i = 0; i < std::min<std::size_t>(2, coarse.size()); ++i) {
    Coarse c = coarse[i];
    for (int k = -3; k <= 3 && c.step > 0; ++k) {
      const double angle = coarse[i].angle + k * c.step / 7;
      const double iou = k ? overlap(region, win, c.shape, c.size, angle) : coarse[i].iou;
      if (iou > c.iou) {
        c.iou = iou;
        c.angle = angle;
      }
    }
    if (c.iou > best.iou) best = {c.shape, c.size, c.angle, c.iou, best.hole};
  }
  if (best.iou < 0) best.iou = 0;
  best.angle = std::fmod(best.angle, std::max(geometry_of(best.shape).symmetry, 1e-6f));
  if (best.angle < 0) best.angle += geometry_of(best.shape).symmetry;
  if (geometry_of(best.shape).symmetry <= 0) best.angle = 0;
  return best;
}

}  // namespace viva::shapes
