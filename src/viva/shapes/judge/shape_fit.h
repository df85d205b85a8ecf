#pragma once
// Shape classification by geometry: a hole means a ring; otherwise every shape is scaled to the
// region's area, placed at its centroid, turned through its rotational symmetry, and the one whose
// outline overlaps the region's pixels best (intersection over union) wins. The fit also gives
// the object's size and angle, which the artefact score re-renders.
#include "viva/shapes/judge/frame_segmentation.h"
#include "viva/shapes/world/attributes.h"

namespace viva::shapes {

struct ShapeFit {
  ShapeKind shape = ShapeKind::Circle;
  double size = 0;   // width in pixels, as in the scene graph
  double angle = 0;  // radians, within the shape's symmetry
  double iou = 0;    // overlap of the fitted outline with the region, 0..1
  bool hole = false;
};

ShapeFit fit_shape(const ObjectRegion& region, int width, int height);

}  // namespace viva::shapes
