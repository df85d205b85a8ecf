#include "viva/shapes/world/scene_sampler.h"

#include <algorithm>
#include <cmath>

#include "viva/shapes/world/palette.h"
#include "viva/shapes/world/splits.h"

namespace viva::shapes {
namespace {

constexpr double kPi = 3.14159265358979;

double frame_scale(const Scene& scene) { return std::min(scene.width, scene.height) / 64.0; }

template <class T>
T draw(Rng& rng, const std::optional<T>& fixed, const std::vector<T>& choices) {
  return fixed ? *fixed : rng.pick(choices);
}

Texture draw_texture(Rng& rng, const LookRequest& request) {
  if (request.texture) return *request.texture;
  if (request.textured) return rng.pick(std::vector<Texture>{Texture::Striped, Texture::Dotted, Texture::Outlined});
  // Solid is as common as the three patterns together.
  return rng.chance(0.4) ? Texture::Solid
                         : rng.pick(std::vector<Texture>{Texture::Striped, Texture::Dotted, Texture::Outlined});
}

}  // namespace

bool texture_allowed(ShapeKind shape, Texture texture) {
  // A ring's band is too thin for dots or an outline to read as such.
  return shape != ShapeKind::Ring || texture == Texture::Solid || texture == Texture::Striped;
}

std::optional<ShapeObject> sample_look(Rng& rng, const Scene& scene, const LookRequest& request) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    ShapeObject o;
    o.colour = draw(rng, request.colour, all_colours());
    o.shape = draw(rng, request.shape, all_shapes());
    o.texture = draw_texture(rng, request);
    if (request.not_colour && o.colour == *request.not_colour) continue;
    if (!texture_allowed(o.shape, o.texture)) continue;
    const bool held_out = is_held_out(o.colour, o.shape);
    if ((request.held_out == HeldOut::Exclude && held_out) || (request.held_out == HeldOut::Require && !held_out))
      continue;
    if (!object_visible(o.colour, o.texture, scene.background, scene.weather)) continue;
    const SizeClass size_class =
        request.size_class ? *request.size_class : (rng.chance(0.5) ? SizeClass::Small : SizeClass::Large);
    const SizeRange range = size_range(size_class, scene.width, scene.height);
    o.size = rng.uniform(range.lo, range.hi);
    return o;
  }
  return std::nullopt;
}

bool clear_of_others(const Scene& scene, const ShapeObject& object, int ignore_id) {
  const double gap = 2.0 * frame_scale(scene);
  for (const ShapeObject& other : scene.objects) {
    if (other.id == object.id || other.id == ignore_id) continue;
    const double needed = object_radius(object) + object_radius(other) + gap;
    for (int t = 0; t < scene.frames; ++t) {
      const Placement a = placement_at(object, t, scene.width, scene.height);
      const Placement b = placement_at(other, t, scene.width, scene.height);
      if (std::hypot(a.x - b.x, a.y - b.y) < needed) return false;
    }
  }
  return true;
}

bool place_object(Rng& rng, const Scene& scene, ShapeObject& object, int ignore_id, int tries) {
  const double scale = frame_scale(scene);
  for (int attempt = 0; attempt < tries; ++attempt) {
    object.x = rng.uniform(0, scene.width);
    object.y = rng.uniform(0, scene.height);
    const double speed = rng.uniform(0.4, 1.6) * scale, heading = rng.uniform(0, 2 * kPi);
    object.vx = speed * std::cos(heading);
    object.vy = speed * std::sin(heading);
    object.angle = rng.uniform(0, 2 * kPi);
    object.spin = rng.chance(0.5) ? 0.0 : rng.sign() * rng.uniform(0.04, 0.15);
    // Start where the bounce keeps it: the placement at frame 0 is the stored position.
    const Placement start = placement_at(object, 0, scene.width, scene.height);
    object.x = start.x;
    object.y = start.y;
    if (clear_of_others(scene, object, ignore_id)) return true;
  }
  return false;
}

Scene sample_scene(Rng& rng, const SceneSamplerOptions& options, HeldOut held_out) {
  Scene scene;
  scene.width = options.width;
  scene.height = options.height;
  scene.frames = options.frames;
  scene.fps = options.fps;
  scene.background = rng.pick(all_backgrounds());
  scene.weather_seed = rng.next();
  if (rng.chance(0.5)) {
    std::vector<Weather> allowed;
    for (Weather w : {Weather::Rain, Weather::Snow, Weather::Fog})
      if (weather_allowed(scene.background, w)) allowed.push_back(w);
    if (!allowed.empty()) scene.weather = rng.pick(allowed);
  }
  const int wanted = 1 + rng.weighted({0.3, 0.4, 0.3});
  LookRequest request;
  request.held_out = held_out;
  for (int i = 0; i < std::min(wanted, options.max_objects); ++i) {
    std::optional<ShapeObject> look = sample_look(rng, scene, request);
    if (!look) break;
    look->id = scene.next_object_id();
    look->depth = i;
    if (!place_object(rng, scene, *look)) continue;
    scene.objects.push_back(*look);
  }
  return scene;
}

}  // namespace viva::shapes
