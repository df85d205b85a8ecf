#include "viva/shapes/world/shape_geometry.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace viva::shapes {
namespace {

constexpr float kPi = 3.14159265358979f;

// Sizes are the shapes' widths, chosen so that objects of one size class look about equally big.
constexpr float kCircleRadius = 0.5f;
constexpr float kSquareHalf = 0.45f;
constexpr float kTriangleRadius = 0.62f;
constexpr float kDiamondHalfWidth = 0.36f,
                kDiamondHalfHeight = 0.55f;  // elongated, so rotation cannot make it a square
constexpr float kStarOuter = 0.6f, kStarInner = 0.3f;
constexpr float kCrossHalfLength = 0.5f, kCrossHalfWidth = 0.18f;
constexpr float kRingOuter = 0.5f, kRingInner = 0.26f;

struct Point {
  float x, y;
};
using Polygon = std::vector<Point>;

Polygon regular(int corners, float radius, float inner_radius = 0) {
  Polygon p;
  const bool star = inner_radius > 0;
  const int n = star ? corners * 2 : corners;
  for (int i = 0; i < n; ++i) {
    const float angle = -kPi / 2 + 2 * kPi * static_cast<float>(i) / static_cast<float>(n);
    const float r = star && i % 2 ? inner_radius : radius;
    p.push_back({r * std::cos(angle), r * std::sin(angle)});
  }
  return p;
}

const Polygon& polygon_of(ShapeKind shape) {
  static const Polygon square = {{-kSquareHalf, -kSquareHalf},
                                 {kSquareHalf, -kSquareHalf},
                                 {kSquareHalf, kSquareHalf},
                                 {-kSquareHalf, kSquareHalf}};
  static const Polygon triangle = regular(3, kTriangleRadius);
  static const Polygon diamond = {
      {0, -kDiamondHalfHeight}, {kDiamondHalfWidth, 0}, {0, kDiamondHalfHeight}, {-kDiamondHalfWidth, 0}};
  static const Polygon star = regular(5, kStarOuter, kStarInner);
  static const Polygon cross = [] {
    const float l = kCrossHalfLength, w = kCrossHalfWidth;
    return Polygon{{-w, -l}, {w, -l}, {w, -w}, {l, -w}, {l, w},   {w, w},
                   {w, l},   {-w, l}, {-w, w}, {-l, w}, {-l, -w}, {-w, -w}};
  }();
  static const Polygon none;
  switch (shape) {
    case ShapeKind::Square:
      return square;
    case ShapeKind::Triangle:
      return triangle;
    case ShapeKind::Diamond:
      return diamond;
    case ShapeKind::Star:
      return star;
    case ShapeKind::Cross:
      return cross;
    default:
      return none;
  }
}

// Exact signed distance to a simple polygon: nearest edge, sign from the even-odd rule.
float polygon_signed_distance(const Polygon& poly, float x, float y) {
  float best = 1e30f;
  bool inside = false;
  const std::size_t n = poly.size();
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const Point a = poly[j], b = poly[i];
    const float ex = b.x - a.x, ey = b.y - a.y, px = x - a.x, py = y - a.y;
    const float t = std::clamp((px * ex + py * ey) / (ex * ex + ey * ey), 0.0f, 1.0f);
    const float dx = px - ex * t, dy = py - ey * t;
    best = std::min(best, dx * dx + dy * dy);
    if ((a.y > y) != (b.y > y) && x < a.x + (y - a.y) / (b.y - a.y) * ex) inside = !inside;
  }
  const float d = std::sqrt(best);
  return inside ? -d : d;
}

bool polygon_contains(const Polygon& poly, float x, float y) {
  bool inside = false;
  const std::size_t n = poly.size();
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const Point a = poly[j], b = poly[i];
    if ((a.y > y) != (b.y > y) && x < a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x)) inside = !inside;
  }
  return inside;
}

float polygon_area(const Polygon& poly) {
  float twice = 0;
  for (std::size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++)
    twice += poly[j].x * poly[i].y - poly[i].x * poly[j].y;
  return std::abs(twice) / 2;
}

float polygon_radius(const Polygon& poly) {
  float r = 0;
  for (const Point& p : poly) r = std::max(r, std::hypot(p.x, p.y));
  return r;
}

ShapeGeometry polygon_geometry(ShapeKind shape, float symmetry) {
  const Polygon& poly = polygon_of(shape);
  return {polygon_radius(poly), polygon_area(poly), symmetry};
}

}  // namespace

const ShapeGeometry& geometry_of(ShapeKind shape) {
  static const std::array<ShapeGeometry, 7> table = {
      ShapeGeometry{kCircleRadius, kPi * kCircleRadius * kCircleRadius, 0},
      polygon_geometry(ShapeKind::Square, kPi / 2),
      polygon_geometry(ShapeKind::Triangle, 2 * kPi / 3),
      polygon_geometry(ShapeKind::Diamond, kPi),
      polygon_geometry(ShapeKind::Star, 2 * kPi / 5),
      polygon_geometry(ShapeKind::Cross, kPi / 2),
      ShapeGeometry{kRingOuter, kPi * (kRingOuter * kRingOuter - kRingInner * kRingInner), 0},
  };
  return table.at(static_cast<std::size_t>(shape));
}

float unit_signed_distance(ShapeKind shape, float x, float y) {
  switch (shape) {
    case ShapeKind::Circle:
      return std::hypot(x, y) - kCircleRadius;
    case ShapeKind::Ring: {
      const float centre = (kRingOuter + kRingInner) / 2, half = (kRingOuter - kRingInner) / 2;
      return std::abs(std::hypot(x, y) - centre) - half;
    }
    case ShapeKind::Square: {
      // Box distance: exact outside and inside.
      const float qx = std::abs(x) - kSquareHalf, qy = std::abs(y) - kSquareHalf;
      const float outside = std::hypot(std::max(qx, 0.0f), std::max(qy, 0.0f));
      return outside + std::min(std::max(qx, qy), 0.0f);
    }
    default:
      return polygon_signed_distance(polygon_of(shape), x, y);
  }
}

bool unit_contains(ShapeKind shape, float x, float y) {
  switch (shape) {
    case ShapeKind::Circle:
      return x * x + y * y < kCircleRadius * kCircleRadius;
    case ShapeKind::Ring: {
      const float r2 = x * x + y * y;
      return r2 < kRingOuter * kRingOuter && r2 > kRingInner * kRingInner;
    }
    case ShapeKind::Square:
      return std::abs(x) < kSquareHalf && std::abs(y) < kSquareHalf;
    case ShapeKind::Diamond:
      return std::abs(x) / kDiamondHalfWidth + std::abs(y) / kDiamondHalfHeight < 1;
    case ShapeKind::Cross: {
      const float ax = std::abs(x), ay = std::abs(y);
      return (ax < kCrossHalfWidth && ay < kCrossHalfLength) || (ax < kCrossHalfLength && ay < kCrossHalfWidth);
    }
    default:
      return polygon_contains(polygon_of(shape), x, y);
  }
}

}  // namespace viva::shapes
