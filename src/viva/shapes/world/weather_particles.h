#pragma once
// Rain streaks and snowflakes: where each particle is at a frame, from the scene's weather seed.
// Streaks fall fast and slanted, flakes slowly with a sideways sway; both wrap around the frame.
#include <cstdint>
#include <vector>

#include "viva/shapes/world/attributes.h"

namespace viva::shapes {

struct Particle {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // a segment (a point for flakes), pixels
  float radius = 0.5f;                   // half the stroke width
  float alpha = 1;
};

std::vector<Particle> weather_particles(Weather weather, uint64_t seed, int frame, int width, int height);

}  // namespace viva::shapes
