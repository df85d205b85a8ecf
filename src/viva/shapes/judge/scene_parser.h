#pragma once
// The classical ShapesWorld scene parser (viva.md §3, no learned model): from any frames it
// recovers the background, the weather, and every object's colour, shape, size, texture and
// per-frame position. Steps: background look by pixel voting (background_model.h); per frame,
// foreground components, particles by size and elongation, objects by palette colour and exact
// pixels (frame_segmentation.h), shape by outline fitting (shape_fit.h), texture by shade
// statistics (texture_classifier.h); across frames, objects tracked by colour, shape and position
// and their attributes decided by majority.
#include <cstdint>
#include <vector>

#include "viva/io/video_frames.h"
#include "viva/shapes/judge/frame_segmentation.h"
#include "viva/shapes/world/scene.h"

namespace viva::shapes {

struct ParserOptions {
  SegmentationOptions segmentation;
  float background_tolerance = 22;  // RGB distance for a pixel to vote for a background look
  double particles_per_frame = 4;   // mean small components per frame that make rain or snow
  double min_track_share = 0.5;     // objects seen in fewer of the frames are dropped as noise
};

// One object as seen in one frame.
struct ObjectSighting {
  Colour colour = Colour::Red;
  ShapeKind shape = ShapeKind::Circle;
  Texture texture = Texture::Solid;
  double size = 0, x = 0, y = 0, angle = 0;
  double fit = 0;  // outline overlap, 0..1
};

// One object over the clip.
struct ParsedObject {
  Colour colour = Colour::Red;
  ShapeKind shape = ShapeKind::Circle;
  Texture texture = Texture::Solid;
  SizeClass size_class = SizeClass::Small;
  double size = 0;                  // median over its sightings
  std::vector<uint8_t> seen;        // per frame
  std::vector<double> x, y, angle;  // per frame (meaningful where seen)
  int sightings = 0;
};

struct ParsedScene {
  int width = 0, height = 0, frames = 0;
  Background background = Background::Grey;
  Weather weather = Weather::None;
  float background_match = 0;  // share of pixels the background look explains
  std::vector<ParsedObject> objects;
  std::vector<std::vector<ObjectSighting>> sightings;  // per frame

  // Share of frames whose own objects (colour, shape, size class, texture) are the clip's.
  double consistency() const;
};

ParsedScene parse_scene(const VideoFrames& video, const ParserOptions& options = {});

}  // namespace viva::shapes
