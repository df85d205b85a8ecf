#include "viva/shapes/world/scene.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "viva/core/error.h"
#include "viva/shapes/world/shape_geometry.h"

namespace viva::shapes {
namespace {

constexpr double kBorderMargin = 1.0;  // pixels kept between an object and the frame's edge

double frame_scale(int width, int height) { return std::min(width, height) / 64.0; }

// Position of a point moving at constant speed between two walls, bouncing elastically.
double bounce(double start, double velocity, int frame, double lo, double hi) {
  const double span = hi - lo;
  if (span <= 0) return (lo + hi) / 2;
  double u = std::fmod(start + velocity * frame - lo, 2 * span);
  if (u < 0) u += 2 * span;
  return lo + (u <= span ? u : 2 * span - u);
}

template <class T>
T required(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) throw Error(std::string("scene: missing '") + key + "'");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(std::string("scene: '") + key + "' has the wrong type");
  }
}

}  // namespace

bool ShapeObject::same_look(const ShapeObject& other, int width, int height) const {
  return colour == other.colour && shape == other.shape && texture == other.texture &&
         size_class_of(size, width, height) == size_class_of(other.size, width, height);
}

const ShapeObject* Scene::find(int id) const {
  for (const ShapeObject& o : objects)
    if (o.id == id) return &o;
  return nullptr;
}

int Scene::next_object_id() const {
  int next = 0;
  for (const ShapeObject& o : objects) next = std::max(next, o.id + 1);
  return next;
}

SizeRange size_range(SizeClass size_class, int width, int height) {
  const double s = frame_scale(width, height);
  return size_class == SizeClass::Small ? SizeRange{12 * s, 16 * s} : SizeRange{20 * s, 25 * s};
}

SizeClass size_class_of(double size, int width, int height) {
  return size < 18 * frame_scale(width, height) ? SizeClass::Small : SizeClass::Large;
}

double object_radius(const ShapeObject& object) { return geometry_of(object.shape).bounding_radius * object.size; }

Placement placement_at(const ShapeObject& object, int frame, int width, int height) {
  const double r = object_radius(object) + kBorderMargin;
  return {bounce(object.x, object.vx, frame, r, width - r), bounce(object.y, object.vy, frame, r, height - r),
          object.angle + object.spin * frame};
}

nlohmann::json to_json(const ShapeObject& o, int width, int height) {
  return {{"id", o.id},
          {"colour", name_of(o.colour)},
          {"shape", name_of(o.shape)},
          {"texture", name_of(o.texture)},
          {"size_class", name_of(size_class_of(o.size, width, height))},
          {"size", o.size},
          {"x", o.x},
          {"y", o.y},
          {"vx", o.vx},
          {"vy", o.vy},
          {"angle", o.angle},
          {"spin", o.spin},
          {"depth", o.depth}};
}

nlohmann::json to_json(const Scene& s) {
  nlohmann::json objects = nlohmann::json::array();
  for (const ShapeObject& o : s.objects) objects.push_back(to_json(o, s.width, s.height));
  return {{"width", s.width},
          {"height", s.height},
          {"frames", s.frames},
          {"fps", s.fps},
          {"background", name_of(s.background)},
          {"weather", name_of(s.weather)},
          {"weather_seed", s.weather_seed},
          {"style", name_of(s.style)},
          {"objects", objects}};
}

ShapeObject object_from_json(const nlohmann::json& j, int width, int height) {
  if (!j.is_object()) throw Error("scene: an object is not a JSON object");
  ShapeObject o;
  o.id = required<int>(j, "id");
  o.colour = parse_colour(required<std::string>(j, "colour"));
  o.shape = parse_shape(required<std::string>(j, "shape"));
  o.texture = parse_texture(required<std::string>(j, "texture"));
  o.size = required<double>(j, "size");
  o.x = required<double>(j, "x");
  o.y = required<double>(j, "y");
  o.vx = j.value("vx", 0.0);
  o.vy = j.value("vy", 0.0);
  o.angle = j.value("angle", 0.0);
  o.spin = j.value("spin", 0.0);
  o.depth = j.value("depth", 0);
  if (!(o.size > 0)) throw Error("scene: object " + std::to_string(o.id) + " has a non-positive size");
  if (j.contains("size_class") &&
      parse_size_class(required<std::string>(j, "size_class")) != size_class_of(o.size, width, height))
    throw Error("scene: object " + std::to_string(o.id) + "'s size_class does not match its size");
  return o;
}

Scene scene_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("scene: not a JSON object");
  Scene s;
  s.width = required<int>(j, "width");
  s.height = required<int>(j, "height");
  s.frames = required<int>(j, "frames");
  s.fps = j.value("fps", 8.0);
  if (s.width <= 0 || s.height <= 0 || s.frames <= 0) throw Error("scene: width, height and frames must be positive");
  s.background = parse_background(required<std::string>(j, "background"));
  s.weather = parse_weather(j.value("weather", std::string("none")));
  s.weather_seed = j.value("weather_seed", uint64_t{0});
  s.style = parse_style(j.value("style", std::string("none")));
  if (j.contains("objects")) {
    if (!j.at("objects").is_array()) throw Error("scene: 'objects' must be an array");
    for (const auto& o : j.at("objects")) s.objects.push_back(object_from_json(o, s.width, s.height));
  }
  return s;
}

}  // namespace viva::shapes
