#pragma once
// Per-frame segmentation for the scene parser: pixels that differ from the background, their
// connected components, small components as weather particles (rain streaks are elongated,
// snowflakes round), and large ones as objects with their colour, exact pixel set and shade map.
#include <cstdint>
#include <vector>

#include "viva/shapes/judge/background_model.h"

namespace viva::shapes {

struct SegmentationOptions {
  float foreground_distance = 20;  // RGB distance from the background row that makes a pixel foreground
  float min_object_area = 30;      // pixels at 64x64 (scaled with the frame's area); smaller: particles
  float min_particle_area = 2;     // pixels; smaller specks are noise
  float particle_distance = 12;    // RGB distance from a background/particle blend that marks a particle pixel
};

struct Component {
  std::vector<int> pixels;  // indices y * width + x
};

struct FrameComponents {
  std::vector<Component> objects;  // candidates, area >= min_object_area
  int round_particles = 0;         // small components shaped like snowflakes
  int long_particles = 0;          // small components shaped like rain streaks
};

// Foreground components of one frame (8-connected). With rain or snow known, pixels that blend
// the background with the particle colour are left out first, so particles cannot bridge objects.
FrameComponents find_components(const uint8_t* rgb, int width, int height, const BackgroundModel& background,
                                const SegmentationOptions& options, Weather weather = Weather::None);

// One object in one frame.
struct ObjectRegion {
  Colour colour = Colour::Red;
  std::vector<int> pixels;                // the object's pixels: covered at least half by its colours
  std::vector<uint8_t> shade;             // per pixel: 1 where the covering colour is the texture shade
  std::vector<uint8_t> rim;               // per pixel: 1 where a neighbour (8-connected) is not the object's
  std::vector<uint8_t> texture_evidence;  // per pixel: 0 where a particle touching it blurs its colour
  double area = 0;                        // anti-aliasing included: sum of coverage estimates
  double x = 0, y = 0;                    // coverage-weighted centroid, pixel-centre coordinates (+0.5)
};

// The object in a component: its colour, then its exact pixels. Particles of `weather` (rain or
// snow) touching the object are left out. Empty pixels when nothing is left.
ObjectRegion extract_object(const uint8_t* rgb, int width, int height, const Component& component,
                            const BackgroundModel& background, Weather weather, const SegmentationOptions& options);

}  // namespace viva::shapes
