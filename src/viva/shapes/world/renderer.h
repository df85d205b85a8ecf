#pragma once
// Draws scene graphs: background rows, weather particles (behind the objects, so particles never
// hide an object's outline), the objects back to front with analytic anti-aliasing (coverage
// from the signed distance), fog over everything, then the style. Also reports each object's
// instance mask, the coverage of its own outline whatever lies in front of it.
#include <cstdint>
#include <vector>

#include "viva/io/image.h"
#include "viva/io/video_frames.h"
#include "viva/shapes/world/palette.h"
#include "viva/shapes/world/scene.h"

namespace viva::shapes {

// One object at one frame, where the renderer puts it.
struct DrawnObject {
  int id = 0;
  Colour colour = Colour::Red;
  ShapeKind shape = ShapeKind::Circle;
  Texture texture = Texture::Solid;
  double size = 14, x = 0, y = 0, angle = 0;
  int depth = 0;
};

// Everything one frame shows.
struct FrameLayout {
  Background background = Background::Grey;
  Weather weather = Weather::None;
  uint64_t weather_seed = 0;
  int frame = 0;
  bool particles = true;  // false: rain and snow are left out (fog stays)
  Style style = Style::None;
  std::vector<DrawnObject> objects;
};

FrameLayout layout_at(const Scene& scene, int frame);

// rgb: [height, width, 3]. coverage (optional): objects.size() planes of [height, width], 0..255.
void render_frame(const FrameLayout& layout, int width, int height, uint8_t* rgb, uint8_t* coverage = nullptr);

struct RenderedClip {
  VideoFrames video;                           // [frames, height, width, 3]
  std::vector<int> object_ids;                 // scene order
  std::vector<std::vector<uint8_t>> coverage;  // per object: [frames, height, width], 0..255
};

RenderedClip render_scene(const Scene& scene);

// A reference image: the object alone, unrotated, centred and large on a plain light backdrop.
Image render_reference(const ShapeObject& look, int width, int height);
Rgb reference_backdrop_rgb();

}  // namespace viva::shapes
