#pragma once
// ShapesWorld's scene graph (viva.md §3): everything a clip shows, from which the renderer draws
// it exactly. Geometry is in pixels of the scene's own frame; motion is constant velocity with
// bounces off the borders and constant spin, so a scene is a few numbers per object.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <vector>

#include "viva/shapes/world/attributes.h"

namespace viva::shapes {

struct ShapeObject {
  int id = 0;  // stable across an edit: a recoloured or replaced object keeps its id
  Colour colour = Colour::Red;
  ShapeKind shape = ShapeKind::Circle;
  Texture texture = Texture::Solid;
  double size = 14;            // width in pixels (the outline of shape_geometry.h scaled by it)
  double x = 32, y = 32;       // centre at frame 0, pixels
  double vx = 0, vy = 0;       // pixels per frame
  double angle = 0, spin = 0;  // radians, radians per frame
  int depth = 0;               // drawing order: larger is nearer

  // Discrete attributes compared by the judge: colour, shape, size class, texture.
  bool same_look(const ShapeObject& other, int width, int height) const;
};

struct Placement {
  double x = 0, y = 0, angle = 0;
};

struct Scene {
  int width = 64, height = 64, frames = 9;
  double fps = 8;
  Background background = Background::Grey;
  Weather weather = Weather::None;
  uint64_t weather_seed = 0;  // where the rain streaks and snowflakes fall
  Style style = Style::None;  // image pairs only
  std::vector<ShapeObject> objects;

  const ShapeObject* find(int id) const;
  int next_object_id() const;
};

// Object sizes of each class scale with the frame: small 12..16 px, large 20..25 px at 64x64;
// anything below the threshold (18 px at 64x64) is small.
struct SizeRange {
  double lo = 0, hi = 0;
};
SizeRange size_range(SizeClass size_class, int width, int height);
SizeClass size_class_of(double size, int width, int height);

// Where the object is at frame t: bouncing between the borders so it never leaves the frame.
Placement placement_at(const ShapeObject& object, int frame, int width, int height);
// Radius of the circle that always contains the object (its bounding radius at its size).
double object_radius(const ShapeObject& object);

nlohmann::json to_json(const ShapeObject& object, int width, int height);
nlohmann::json to_json(const Scene& scene);
// Throws viva::Error naming the bad key.
ShapeObject object_from_json(const nlohmann::json& j, int width, int height);
Scene scene_from_json(const nlohmann::json& j);

}  // namespace viva::shapes
