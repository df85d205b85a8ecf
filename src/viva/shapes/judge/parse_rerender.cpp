#include "viva/shapes/judge/parse_rerender.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "viva/shapes/world/shape_geometry.h"

namespace viva::shapes {
namespace {

constexpr double kPi = 3.14159265358979;
constexpr float kParticleDistance = 12;

FrameLayout empty_layout(const ParsedScene& parse, int frame) {
  FrameLayout layout;
  layout.background = parse.background;
  layout.weather = parse.weather;
  layout.frame = frame;
  layout.particles = false;
  return layout;
}

// Residual of `candidate` (a full frame) against the video's frame in a window around the object.
double window_residual(const uint8_t* frame, const uint8_t* candidate, int width, int height, const DrawnObject& o) {
  const double reach = geometry_of(o.shape).bounding_radius * o.size + 2;
  const int x0 = std::max(0, static_cast<int>(o.x - reach)), x1 = std::min(width - 1, static_cast<int>(o.x + reach));
  const int y0 = std::max(0, static_cast<int>(o.y - reach)), y1 = std::min(height - 1, static_cast<int>(o.y + reach));
  double sum = 0;
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x)
      for (int c = 0; c < 3; ++c) {
        const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 3 + c;
        sum += std::abs(int{frame[i]} - int{candidate[i]});
      }
  return sum;
}

// Angles that draw the same outline but may turn the stripes or dots.
std::vector<double> texture_angles(ShapeKind shape, double fitted) {
  const double symmetry = geometry_of(shape).symmetry;
  std::vector<double> angles;
  if (symmetry <= 0) {
    for (int k = 0; k < 36; ++k) angles.push_back(k * kPi / 36);
  } else {
    const int turns = static_cast<int>(std::lround(2 * kPi / symmetry));
    for (int k = 0; k < turns; ++k) angles.push_back(fitted + k * symmetry);
  }
  return angles;
}

}  // namespace

VideoFrames render_parse(const ParsedScene& parse, const VideoFrames& video) {
  VideoFrames out(video.frames, video.height, video.width, video.fps);
  std::vector<uint8_t> candidate(video.frame_bytes());
  for (int t = 0; t < video.frames; ++t) {
    FrameLayout layout = empty_layout(parse, t);
    for (const ParsedObject& o : parse.objects) {
      if (t >= static_cast<int>(o.seen.size()) || !o.seen[static_cast<std::size_t>(t)]) continue;
      DrawnObject d;
      d.colour = o.colour;
      d.shape = o.shape;
      d.texture = o.texture;
      d.size = o.size;
      d.x = o.x[static_cast<std::size_t>(t)];
      d.y = o.y[static_cast<std::size_t>(t)];
      d.angle = o.angle[static_cast<std::size_t>(t)];
      if (o.texture == Texture::Striped || o.texture == Texture::Dotted) {
        double best = -1;
        for (double angle : texture_angles(o.shape, d.angle)) {
          FrameLayout alone = empty_layout(parse, t);
          DrawnObject trial = d;
          trial.angle = angle;
          alone.objects = {trial};
          render_frame(alone, video.width, video.height, candidate.data());
          const double residual = window_residual(video.frame(t), candidate.data(), video.width, video.height, trial);
          if (best < 0 || residual < best) {
            best = residual;
            d.angle = angle;
          }
        }
      }
      layout.objects.push_back(d);
    }
    render_frame(layout, video.width, video.height, out.frame(t));
  }
  return out;
}

double artefact_residual(const VideoFrames& video, const ParsedScene& parse) {
  const VideoFrames clean = render_parse(parse, video);
  const bool particles = parse.weather == Weather::Rain || parse.weather == Weather::Snow;
  const Rgb particle = parse.weather == Weather::Rain ? rain_rgb() : snow_rgb();
  double sum = 0;
  std::size_t count = 0;
  const std::size_t pixels = video.pixels.size() / 3;
  for (std::size_t i = 0; i < pixels; ++i) {
    const uint8_t* p = video.pixels.data() + 3 * i;
    const uint8_t* q = clean.pixels.data() + 3 * i;
    if (particles) {
      const Rgb seen{float(p[0]), float(p[1]), float(p[2])}, drawn{float(q[0]), float(q[1]), float(q[2])};
      if (colour_distance(seen, drawn) > kParticleDistance &&
          distance_to_blend(seen, drawn, particle) < kParticleDistance)
        continue;
    }
    sum += std::abs(int{p[0]} - int{q[0]}) + std::abs(int{p[1]} - int{q[1]}) + std::abs(int{p[2]} - int{q[2]});
    count += 3;
  }
  return count ? sum / static_cast<double>(count) : 0.0;
}

}  // namespace viva::shapes
