#include "viva/eval/shapes/frame_segmentation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace viva::shapes {
namespace {

Rgb pixel_at(const uint8_t* rgb, int index) {
  const uint8_t* p = rgb + 3 * static_cast<std::size_t>(index);
  return {static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2])};
}

// Flood fill of 8-connected foreground pixels from every unvisited seed.
std::vector<Component> connected_components(const std::vector<uint8_t>& mask, int width, int height) {
  std::vector<Component> components;
  std::vector<uint8_t> seen(mask.size(), 0);
  std::vector<int> stack;
  for (int start = 0; start < static_cast<int>(mask.size()); ++start) {
    if (!mask[static_cast<std::size_t>(start)] || seen[static_cast<std::size_t>(start)]) continue;
    Component c;
    stack.assign(1, start);
    seen[static_cast<std::size_t>(start)] = 1;
    while (!stack.empty()) {
      const int i = stack.back();
      stack.pop_back();
      c.pixels.push_back(i);
      const int x = i % width, y = i / width;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const int j = ny * width + nx;
          if (mask[static_cast<std::size_t>(j)] && !seen[static_cast<std::size_t>(j)]) {
            seen[static_cast<std::size_t>(j)] = 1;
            stack.push_back(j);
          }
        }
    }
    components.push_back(std::move(c));
  }
  return components;
}

// Ratio of the principal second moments: ~1 for a flake, large for a streak.
double elongation(const Component& c, int width) {
  double mx = 0, my = 0;
  for (int i : c.pixels) {
    mx += i % width;
    my += i / width;
  }
  const double n = static_cast<double>(c.pixels.size());
  mx /= n;
  my /= n;
  double sxx = 0, syy = 0, sxy = 0;
  for (int i : c.pixels) {
    const double dx = i % width - mx, dy = i / width - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  sxx /= n;
  syy /= n;
  sxy /= n;
  const double mean = (sxx + syy) / 2, spread = std::sqrt((sxx - syy) * (sxx - syy) / 4 + sxy * sxy);
  return (mean + spread + 0.05) / (mean - spread + 0.05);
}

// The palette colour that explains the component's inner pixels best (each pixel by the nearer
// of the colour and its shade).
Colour best_colour(const uint8_t* rgb, int width, int height, const Component& c, const BackgroundModel& background) {
  std::vector<uint8_t> inside(static_cast<std::size_t>(width) * height, 0);
  for (int i : c.pixels) inside[static_cast<std::size_t>(i)] = 1;
  std::vector<int> core;
  for (int i : c.pixels) {
    const int x = i % width, y = i / width;
    if (x > 0 && x + 1 < width && y > 0 && y + 1 < height && inside[static_cast<std::size_t>(i - 1)] &&
        inside[static_cast<std::size_t>(i + 1)] && inside[static_cast<std::size_t>(i - width)] &&
        inside[static_cast<std::size_t>(i + width)])
      core.push_back(i);
  }
  const std::vector<int>& voters = core.size() >= 4 ? core : c.pixels;
  Colour best = Colour::Red;
  double best_cost = std::numeric_limits<double>::max();
  for (Colour colour : all_colours()) {
    const Rgb main = background.appearance(colour_rgb(colour)), shade = background.appearance(texture_shade(colour));
    double cost = 0;
    for (int i : voters) {
      const Rgb p = pixel_at(rgb, i);
      cost += std::min(colour_distance(p, main), colour_distance(p, shade));
    }
    if (cost < best_cost) {
      best_cost = cost;
      best = colour;
    }
  }
  return best;
}

}  // namespace

FrameComponents find_components(const uint8_t* rgb, int width, int height, const BackgroundModel& background,
                                const SegmentationOptions& options) {
  const float area_scale = static_cast<float>(width) * height / 4096.0f;
  std::vector<uint8_t> foreground(static_cast<std::size_t>(width) * height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const int i = y * width + x;
      foreground[static_cast<std::size_t>(i)] =
          colour_distance(pixel_at(rgb, i), background.rows[static_cast<std::size_t>(y)]) > options.foreground_distance;
    }
  FrameComponents out;
  for (Component& c : connected_components(foreground, width, height)) {
    const float area = static_cast<float>(c.pixels.size());
    if (area >= options.min_object_area * area_scale) {
      out.objects.push_back(std::move(c));
    } else if (area >= options.min_particle_area) {
      (elongation(c, width) > 3.0 ? out.long_particles : out.round_particles) += 1;
    }
  }
  return out;
}

ObjectRegion extract_object(const uint8_t* rgb, int width, int height, const Component& component,
                            const BackgroundModel& background, Weather weather) {
  ObjectRegion region;
  region.colour = best_colour(rgb, width, height, component, background);
  const Rgb main = background.appearance(colour_rgb(region.colour));
  const Rgb shade = background.appearance(texture_shade(region.colour));
  const bool particles = weather == Weather::Rain || weather == Weather::Snow;
  const Rgb particle = weather == Weather::Rain ? rain_rgb() : snow_rgb();

  // The component and a one-pixel ring around it, where anti-aliased edges fainter than the
  // foreground threshold lie.
  std::vector<uint8_t> candidate(static_cast<std::size_t>(width) * height, 0);
  for (int i : component.pixels) {
    const int x = i % width, y = i / width;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int nx = x + dx, ny = y + dy;
        if (nx >= 0 && ny >= 0 && nx < width && ny < height) candidate[static_cast<std::size_t>(ny * width + nx)] = 1;
      }
  }
  std::vector<uint8_t> member(candidate.size(), 0);
  double sum = 0, sx = 0, sy = 0;
  for (int i = 0; i < static_cast<int>(candidate.size()); ++i) {
    if (!candidate[static_cast<std::size_t>(i)]) continue;
    const int x = i % width, y = i / width;
    const Rgb p = pixel_at(rgb, i), bg = background.rows[static_cast<std::size_t>(y)];
    const float to_main = colour_distance(p, main), to_shade = colour_distance(p, shade);
    const float to_background = colour_distance(p, bg);
    const float to_particle = particles ? distance_to_blend(p, bg, particle) : std::numeric_limits<float>::max();
    // Coverage: where the pixel lies between the background and the nearer object colour.
    // Blend distances, not point distances: an anti-aliased edge pixel mixes the colour with the
    // background, and that mixture can lie nearer the shade than the colour itself.
    const bool shaded = distance_to_blend(p, bg, shade) < distance_to_blend(p, bg, main);
    const Rgb& colour = shaded ? shade : main;
    const float cr = colour.r - bg.r, cg = colour.g - bg.g, cb = colour.b - bg.b;
    const float length2 = cr * cr + cg * cg + cb * cb;
    float alpha = length2 > 0 ? ((p.r - bg.r) * cr + (p.g - bg.g) * cg + (p.b - bg.b) * cb) / length2 : 0.0f;
    alpha = std::clamp(alpha, 0.0f, 1.0f);
    const float to_object = std::min(to_main, to_shade);
    if (to_particle < to_object && to_particle < to_background) continue;  // a raindrop or flake
    sum += alpha;
    sx += alpha * (x + 0.5);
    sy += alpha * (y + 0.5);
    if (to_object < to_background) {
      member[static_cast<std::size_t>(i)] = 1;
      region.pixels.push_back(i);
      region.shade.push_back(shaded);
    }
  }
  region.area = sum;
  if (sum > 0) {
    region.x = sx / sum;
    region.y = sy / sum;
  }
  for (int i : region.pixels) {
    const int x = i % width, y = i / width;
    bool rim = false;
    for (int dy = -1; dy <= 1 && !rim; ++dy)
      for (int dx = -1; dx <= 1 && !rim; ++dx) {
        const int nx = x + dx, ny = y + dy;
        rim = nx < 0 || ny < 0 || nx >= width || ny >= height || !member[static_cast<std::size_t>(ny * width + nx)];
      }
    region.rim.push_back(rim);
  }
  return region;
}

}  // namespace viva::shapes
