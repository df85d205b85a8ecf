#pragma once
// Random scenes and objects that obey ShapesWorld's rules: objects stay clearly visible on their
// background (palette.h), never touch each other in any frame (so none is occluded and the
// parser sees each whole), and textures fit their shape.
#include <optional>

#include "viva/shapes/world/rng.h"
#include "viva/shapes/world/scene.h"

namespace viva::shapes {

struct SceneSamplerOptions {
  int width = 64, height = 64, frames = 9;
  double fps = 8;
  int max_objects = 3;
};

// Whether an object may be (or must be) a held-out colour x shape combination (splits.h).
enum class HeldOut { Exclude, Require, Allow };

// What a new object must look like; unset fields are drawn at random.
struct LookRequest {
  HeldOut held_out = HeldOut::Exclude;
  std::optional<Colour> colour;
  std::optional<ShapeKind> shape;
  std::optional<SizeClass> size_class;
  std::optional<Texture> texture;
  bool textured = false;             // a texture other than solid (reference objects are distinctive)
  std::optional<Colour> not_colour;  // e.g. the reference backdrop's
};

bool texture_allowed(ShapeKind shape, Texture texture);

// A look (colour, shape, texture, size) visible on the scene's background and weather; nullopt
// when the request cannot be met there.
std::optional<ShapeObject> sample_look(Rng& rng, const Scene& scene, const LookRequest& request);

// Draws position, velocity, angle and spin until the object clears every other object of the
// scene (except `ignore_id`) in every frame; false when no try succeeds.
bool place_object(Rng& rng, const Scene& scene, ShapeObject& object, int ignore_id = -1, int tries = 60);

// Whether the object keeps a gap to every other object of the scene (except itself and
// `ignore_id`) in every frame.
bool clear_of_others(const Scene& scene, const ShapeObject& object, int ignore_id = -1);

// One to max_objects objects on a random background, with random weather half the time.
Scene sample_scene(Rng& rng, const SceneSamplerOptions& options, HeldOut held_out = HeldOut::Exclude);

}  // namespace viva::shapes
