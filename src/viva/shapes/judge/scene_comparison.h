#pragma once
// A parse against a scene graph: the same background, weather and multiset of objects (colour,
// shape, size class, texture), and, for the objects asked for, the same position in every frame
// within a tolerance. This is the "exact recovery" the parser is tested for and the test of
// "instruction followed" the judge applies to the target scene.
#include <string>
#include <vector>

#include "viva/shapes/judge/scene_parser.h"
#include "viva/shapes/world/scene.h"

namespace viva::shapes {

struct ParseComparison {
  bool background = false, weather = false, objects = false, positions = false;
  double worst_position_error = 0;       // pixels, over the checked objects and frames
  std::vector<std::string> differences;  // human-readable, e.g. "missing: a small red striped circle"
  bool exact() const { return background && weather && objects && positions; }
};

// position_ids: the truth's objects whose positions are checked (all others only by look).
ParseComparison compare_with_scene(const ParsedScene& parsed, const Scene& truth, const std::vector<int>& position_ids,
                                   double tolerance);

std::vector<int> object_ids(const Scene& scene);

}  // namespace viva::shapes
