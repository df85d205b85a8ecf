#include "viva/shapes/world/weather_particles.h"

#include <algorithm>
#include <cmath>

#include "viva/shapes/world/rng.h"

namespace viva::shapes {
namespace {

float wrap(float v, float lo, float span) {
  float u = std::fmod(v - lo, span);
  if (u < 0) u += span;
  return lo + u;
}

}  // namespace

std::vector<Particle> weather_particles(Weather weather, uint64_t seed, int frame, int width, int height) {
  std::vector<Particle> particles;
  if (weather != Weather::Rain && weather != Weather::Snow) return particles;
  const float scale = std::min(width, height) / 64.0f;
  const float area = static_cast<float>(width) * height / 4096.0f;
  const float margin = 8 * scale;
  // Particles live on a frame enlarged by a margin so they enter and leave smoothly.
  const float span_x = width + 2 * margin, span_y = height + 2 * margin;
  Rng rng(seed, weather == Weather::Rain ? 1 : 2);
  const int count = static_cast<int>(std::lround((weather == Weather::Rain ? 36 : 42) * area));
  for (int i = 0; i < count; ++i) {
    const float x = static_cast<float>(rng.uniform(0, span_x)), y = static_cast<float>(rng.uniform(0, span_y));
    Particle p;
    if (weather == Weather::Rain) {
      const float speed = static_cast<float>(rng.uniform(4.5, 6.0)) * scale;
      const float vx = -0.3f * speed, vy = speed;
      p.x0 = wrap(x + vx * frame, -margin, span_x);
      p.y0 = wrap(y + vy * frame, -margin, span_y);
      p.x1 = p.x0 - vx * 0.8f;
      p.y1 = p.y0 - vy * 0.8f;
      p.radius = 0.5f * scale;
      p.alpha = 0.85f;
    } else {
      const float fall = static_cast<float>(rng.uniform(0.8, 1.4)) * scale;
      const float phase = static_cast<float>(rng.uniform(0, 6.2832));
      const float sway = 1.2f * scale * std::sin(phase + 0.7f * frame);
      p.x0 = p.x1 = wrap(x + sway, -margin, span_x);
      p.y0 = p.y1 = wrap(y + fall * frame, -margin, span_y);
      p.radius = static_cast<float>(rng.uniform(0.9, 1.4)) * scale;
      p.alpha = 1.0f;
    }
    particles.push_back(p);
  }
  return particles;
}

}  // namespace viva::shapes
