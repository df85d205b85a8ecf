#pragma once
// The shapes' geometry at unit size (an object of size s is this outline scaled by s, rotated
// and moved): signed distance for anti-aliased drawing, area for size estimates, bounding
// radius for motion and spacing, rotational symmetry for the parser's orientation search.
#include "viva/shapes/world/attributes.h"

namespace viva::shapes {

struct ShapeGeometry {
  float bounding_radius = 0;  // farthest outline point from the centre
  float area = 0;             // at size 1
  float symmetry = 0;         // smallest rotation mapping the shape onto itself (radians); 0: every rotation
};

const ShapeGeometry& geometry_of(ShapeKind shape);

// Signed distance from (x, y) to the outline at size 1 (negative inside). Image axes: y points
// down, so an unrotated triangle and star point up.
float unit_signed_distance(ShapeKind shape, float x, float y);

// Whether (x, y) lies inside the outline at size 1: the sign of unit_signed_distance, computed
// without distances (the parser's shape fitting calls it millions of times).
bool unit_contains(ShapeKind shape, float x, float y);

}  // namespace viva::shapes
