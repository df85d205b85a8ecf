#include "viva/shapes/world/renderer.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "viva/shapes/world/shape_geometry.h"
#include "viva/shapes/world/style.h"
#include "viva/shapes/world/weather_particles.h"

namespace viva::shapes {
namespace {

// Float RGB working image; quantised once at the end so layers do not accumulate rounding.
struct Canvas {
  int width, height;
  std::vector<float> rgb;
  Canvas(int w, int h) : width(w), height(h), rgb(static_cast<std::size_t>(w) * h * 3) {}
  void blend(int x, int y, const Rgb& c, float amount) {
    float* p = rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3;
    p[0] += (c.r - p[0]) * amount;
    p[1] += (c.g - p[1]) * amount;
    p[2] += (c.b - p[2]) * amount;
  }
};

float coverage_from_distance(float signed_distance) { return std::clamp(0.5f - signed_distance, 0.0f, 1.0f); }

void draw_background(Canvas& canvas, Background background) {
  for (int y = 0; y < canvas.height; ++y) {
    const Rgb c = background_rgb(background, (y + 0.5f) / canvas.height);
    for (int x = 0; x < canvas.width; ++x) {
      float* p = canvas.rgb.data() + (static_cast<std::size_t>(y) * canvas.width + x) * 3;
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
    }
  }
}

void draw_particles(Canvas& canvas, const std::vector<Particle>& particles, const Rgb& colour) {
  for (const Particle& p : particles) {
    const float reach = p.radius + 1;
    const int x_lo = std::max(0, static_cast<int>(std::floor(std::min(p.x0, p.x1) - reach)));
    const int x_hi = std::min(canvas.width - 1, static_cast<int>(std::ceil(std::max(p.x0, p.x1) + reach)));
    const int y_lo = std::max(0, static_cast<int>(std::floor(std::min(p.y0, p.y1) - reach)));
    const int y_hi = std::min(canvas.height - 1, static_cast<int>(std::ceil(std::max(p.y0, p.y1) + reach)));
    const float ex = p.x1 - p.x0, ey = p.y1 - p.y0, length2 = ex * ex + ey * ey;
    for (int y = y_lo; y <= y_hi; ++y)
      for (int x = x_lo; x <= x_hi; ++x) {
        const float px = x + 0.5f - p.x0, py = y + 0.5f - p.y0;
        const float t = length2 > 0 ? std::clamp((px * ex + py * ey) / length2, 0.0f, 1.0f) : 0.0f;
        const float d = std::hypot(px - ex * t, py - ey * t) - p.radius;
        const float cover = coverage_from_distance(d) * p.alpha;
        if (cover > 0) canvas.blend(x, y, colour, cover);
      }
  }
}

// How much of the texture's shade a point of the object shows (0 = object colour, 1 = shade),
// anti-aliased like the outline. (lx, ly): object-local pixels; d: signed distance to the outline.
float shade_weight(const DrawnObject& o, float lx, float ly, float d, float scale) {
  const float size = static_cast<float>(o.size);
  switch (o.texture) {
    case Texture::Solid:
      return 0;
    case Texture::Striped: {
      // Diagonal stripes in the object's frame, a colour stripe through the centre: at 45 degrees
      // to every straight edge, so they cross the whole outline and never run along one.
      const float period = std::max(4.5f * scale, size / 3.2f);
      const float v = (lx + ly) * 0.70710678f;
      const float m = v - period * std::round(v / period);
      return coverage_from_distance(period / 4 - std::abs(m));
    }
    case Texture::Dotted: {
      // Dots on a grid centred on the object, only those well inside the outline (so dots never
      // touch the edge, where stripes do), the centre one always so that every dotted object has
      // a dot. A radius of at least 1.6 px covers a pixel or two fully wherever the dot falls.
      const float grid = std::max(5.5f * scale, 0.32f * size), radius = std::max(1.6f * scale, 0.1f * size);
      const float qx = grid * std::round(lx / grid), qy = grid * std::round(ly / grid);
      const bool centre = qx == 0 && qy == 0;
      if (!centre && unit_signed_distance(o.shape, qx / size, qy / size) * size > -(radius + 1.5f * scale)) return 0;
      return coverage_from_distance(std::hypot(lx - qx, ly - qy) - radius);
    }
    case Texture::Outlined: {
      // Wide enough that every edge pixel is shade, so an outline never reads as stripes.
      const float band = std::max(2.0f * scale, 0.12f * size);
      return std::clamp(0.5f + (d + band), 0.0f, 1.0f);
    }
  }
  return 0;
}

void draw_object(Canvas& canvas, const DrawnObject& o, float scale, uint8_t* coverage) {
  const float size = static_cast<float>(o.size);
  const float reach = geometry_of(o.shape).bounding_radius * size + 1.5f;
  const float cx = static_cast<float>(o.x), cy = static_cast<float>(o.y);
  const float c = static_cast<float>(std::cos(o.angle)), s = static_cast<float>(std::sin(o.angle));
  const int x_lo = std::max(0, static_cast<int>(std::floor(cx - reach)));
  const int x_hi = std::min(canvas.width - 1, static_cast<int>(std::ceil(cx + reach)));
  const int y_lo = std::max(0, static_cast<int>(std::floor(cy - reach)));
  const int y_hi = std::min(canvas.height - 1, static_cast<int>(std::ceil(cy + reach)));
  const Rgb main = colour_rgb(o.colour), shade = texture_shade(o.colour);
  for (int y = y_lo; y <= y_hi; ++y)
    for (int x = x_lo; x <= x_hi; ++x) {
      const float dx = x + 0.5f - cx, dy = y + 0.5f - cy;
      // Into the object's frame: rotate by -angle.
      const float lx = c * dx + s * dy, ly = -s * dx + c * dy;
      const float d = unit_signed_distance(o.shape, lx / size, ly / size) * size;
      const float cover = coverage_from_distance(d);
      if (cover <= 0) continue;
      const float w = shade_weight(o, lx, ly, d, scale);
      canvas.blend(x, y, w > 0 ? mix(main, shade, w) : main, cover);
      // Never 0 where the object touches the pixel at all: edit masks are built from this.
      if (coverage)
        coverage[static_cast<std::size_t>(y) * canvas.width + x] =
            static_cast<uint8_t>(std::max(1L, std::lround(cover * 255)));
    }
}

}  // namespace

FrameLayout layout_at(const Scene& scene, int frame) {
  FrameLayout layout;
  layout.background = scene.background;
  layout.weather = scene.weather;
  layout.weather_seed = scene.weather_seed;
  layout.frame = frame;
  layout.style = scene.style;
  for (const ShapeObject& o : scene.objects) {
    const Placement p = placement_at(o, frame, scene.width, scene.height);
    layout.objects.push_back({o.id, o.colour, o.shape, o.texture, o.size, p.x, p.y, p.angle, o.depth});
  }
  return layout;
}

void render_frame(const FrameLayout& layout, int width, int height, uint8_t* rgb, uint8_t* coverage) {
  const float scale = std::min(width, height) / 64.0f;
  Canvas canvas(width, height);
  draw_background(canvas, layout.background);
  if (layout.particles && (layout.weather == Weather::Rain || layout.weather == Weather::Snow))
    draw_particles(canvas, weather_particles(layout.weather, layout.weather_seed, layout.frame, width, height),
                   layout.weather == Weather::Rain ? rain_rgb() : snow_rgb());
  const std::size_t plane = static_cast<std::size_t>(width) * height;
  if (coverage) std::fill(coverage, coverage + plane * layout.objects.size(), uint8_t{0});
  std::vector<std::size_t> order(layout.objects.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return layout.objects[a].depth < layout.objects[b].depth; });
  for (std::size_t i : order) draw_object(canvas, layout.objects[i], scale, coverage ? coverage + i * plane : nullptr);
  if (layout.weather == Weather::Fog) {
    const Rgb fog = fog_rgb();
    const float a = fog_amount();
    for (std::size_t i = 0; i < plane; ++i) {
      float* p = canvas.rgb.data() + 3 * i;
      p[0] += (fog.r - p[0]) * a;
      p[1] += (fog.g - p[1]) * a;
      p[2] += (fog.b - p[2]) * a;
    }
  }
  for (std::size_t i = 0; i < 3 * plane; ++i)
    rgb[i] = static_cast<uint8_t>(std::clamp(std::lround(canvas.rgb[i]), 0L, 255L));
  if (layout.style != Style::None) apply_style(layout.style, rgb, rgb, width, height);
}

RenderedClip render_scene(const Scene& scene) {
  RenderedClip clip;
  clip.video = VideoFrames(scene.frames, scene.height, scene.width, scene.fps);
  const std::size_t plane = static_cast<std::size_t>(scene.width) * scene.height;
  const std::size_t n = scene.objects.size();
  for (const ShapeObject& o : scene.objects) clip.object_ids.push_back(o.id);
  clip.coverage.assign(n, std::vector<uint8_t>(plane * scene.frames));
  std::vector<uint8_t> planes(plane * n);
  for (int t = 0; t < scene.frames; ++t) {
    render_frame(layout_at(scene, t), scene.width, scene.height, clip.video.frame(t), planes.data());
    for (std::size_t i = 0; i < n; ++i)
      std::copy(planes.begin() + i * plane, planes.begin() + (i + 1) * plane, clip.coverage[i].begin() + t * plane);
  }
  return clip;
}

Rgb reference_backdrop_rgb() { return {235, 235, 235}; }

Image render_reference(const ShapeObject& look, int width, int height) {
  const float scale = std::min(width, height) / 64.0f;
  Canvas canvas(width, height);
  const Rgb backdrop = reference_backdrop_rgb();
  for (std::size_t i = 0; i < canvas.rgb.size(); i += 3) {
    canvas.rgb[i] = backdrop.r;
    canvas.rgb[i + 1] = backdrop.g;
    canvas.rgb[i + 2] = backdrop.b;
  }
  DrawnObject o{look.id, look.colour, look.shape, look.texture, 0.0, width / 2.0, height / 2.0, 0.0, 0};
  o.size = 0.6 * std::min(width, height) / (2 * geometry_of(look.shape).bounding_radius);
  draw_object(canvas, o, scale, nullptr);
  Image image(width, height);
  for (std::size_t i = 0; i < canvas.rgb.size(); ++i)
    image.rgb[i] = static_cast<uint8_t>(std::clamp(std::lround(canvas.rgb[i]), 0L, 255L));
  return image;
}

}  // namespace viva::shapes
