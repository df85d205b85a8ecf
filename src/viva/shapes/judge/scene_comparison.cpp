#include "viva/shapes/judge/scene_comparison.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <tuple>

namespace viva::shapes {
namespace {

using Look = std::tuple<Colour, ShapeKind, SizeClass, Texture>;

std::string describe(const Look& look) {
  const auto& [colour, shape, size, texture] = look;
  std::string text = std::string(name_of(size)) + " " + name_of(colour) + " ";
  if (texture != Texture::Solid) text += std::string(name_of(texture)) + " ";
  return text + name_of(shape);
}

Look look_of(const ShapeObject& o, const Scene& s) {
  return {o.colour, o.shape, size_class_of(o.size, s.width, s.height), o.texture};
}
Look look_of(const ParsedObject& o) { return {o.colour, o.shape, o.size_class, o.texture}; }

// Largest distance between the parsed and true positions over the frames (infinite when the
// parse misses the object in a frame).
double track_error(const ParsedObject& parsed, const ShapeObject& truth, const Scene& scene) {
  double worst = 0;
  for (int t = 0; t < scene.frames; ++t) {
    if (t >= static_cast<int>(parsed.seen.size()) || !parsed.seen[static_cast<std::size_t>(t)])
      return std::numeric_limits<double>::infinity();
    const Placement p = placement_at(truth, t, scene.width, scene.height);
    worst = std::max(
        worst, std::hypot(parsed.x[static_cast<std::size_t>(t)] - p.x, parsed.y[static_cast<std::size_t>(t)] - p.y));
  }
  return worst;
}

// Assigns checked truth objects to distinct parsed objects of the same look, minimising the
// worst error (few objects: exhaustive search).
double best_assignment(const std::vector<std::vector<double>>& error, std::size_t row, std::vector<uint8_t>& used) {
  if (row == error.size()) return 0;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < used.size(); ++c) {
    if (used[c]) continue;
    used[c] = 1;
    best = std::min(best, std::max(error[row][c], best_assignment(error, row + 1, used)));
    used[c] = 0;
  }
  return best;
}

}  // namespace

std::vector<int> object_ids(const Scene& scene) {
  std::vector<int> ids;
  for (const ShapeObject& o : scene.objects) ids.push_back(o.id);
  return ids;
}

ParseComparison compare_with_scene(const ParsedScene& parsed, const Scene& truth, const std::vector<int>& position_ids,
                                   double tolerance) {
  ParseComparison c;
  c.background = parsed.background == truth.background;
  if (!c.background)
    c.differences.push_back(std::string("background ") + name_of(parsed.background) + ", expected " +
                            name_of(truth.background));
  c.weather = parsed.weather == truth.weather;
  if (!c.weather)
    c.differences.push_back(std::string("weather ") + name_of(parsed.weather) + ", expected " + name_of(truth.weather));

  std::map<Look, int> balance;  // expected minus found
  for (const ShapeObject& o : truth.objects) ++balance[look_of(o, truth)];
  for (const ParsedObject& o : parsed.objects) --balance[look_of(o)];
  c.objects = true;
  for (const auto& [look, n] : balance) {
    if (n == 0) continue;
    c.objects = false;
    for (int i = 0; i < std::abs(n); ++i)
      c.differences.push_back((n > 0 ? "missing: " : "unexpected: ") + describe(look));
  }

  // Positions, look group by look group.
  c.positions = true;
  std::map<Look, std::vector<const ShapeObject*>> checked;
  for (const ShapeObject& o : truth.objects)
    if (std::find(position_ids.begin(), position_ids.end(), o.id) != position_ids.end())
      checked[look_of(o, truth)].push_back(&o);
  for (const auto& [look, group] : checked) {
    std::vector<const ParsedObject*> found;
    for (const ParsedObject& o : parsed.objects)
      if (look_of(o) == look) found.push_back(&o);
    double worst = std::numeric_limits<double>::infinity();
    if (found.size() >= group.size()) {
      std::vector<std::vector<double>> error(group.size(), std::vector<double>(found.size()));
      for (std::size_t i = 0; i < group.size(); ++i)
        for (std::size_t j = 0; j < found.size(); ++j) error[i][j] = track_error(*found[j], *group[i], truth);
      std::vector<uint8_t> used(found.size(), 0);
      worst = best_assignment(error, 0, used);
    }
    c.worst_position_error = std::max(c.worst_position_error, worst);
    if (!(worst <= tolerance)) {
      c.positions = false;
      char text[160];
      std::snprintf(text, sizeof text, "position of the %s off by %.1f px", describe(look).c_str(), worst);
      c.differences.push_back(text);
    }
  }
  return c;
}

}  // namespace viva::shapes
