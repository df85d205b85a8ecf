#include "viva/shapes/judge/frame_segmentation.h"

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

struct Coverage {
  float alpha = 0;        // share of the pixel the object covers
  bool shaded = false;    // the covering colour is the shade rather than the object colour
  float residual = 1e9f;  // RGB distance left unexplained
};

// p ~ bg + alpha * (mix(main, shade, beta) - bg), alpha and beta in [0, 1]: beta on a grid,
// alpha in closed form. Where the background lies near the colour-shade blends (white on grey,
// allowed only for solid objects), beta is 0 or 1, or the background itself would fit as a blend.
Coverage fit_coverage(const Rgb& p, const Rgb& bg, const Rgb& main, const Rgb& shade) {
  const bool blends = distance_to_blend(bg, main, shade) >= 0.5f * kMinBlendContrast;
  const int steps = blends ? 8 : 1;
  Coverage best;
  for (int k = 0; k <= steps; ++k) {
    const float beta = static_cast<float>(k) / steps;
    const Rgb c = mix(main, shade, beta);
    const float cr = c.r - bg.r, cg = c.g - bg.g, cb = c.b - bg.b;
    const float length2 = cr * cr + cg * cg + cb * cb;
    if (length2 <= 0) continue;
    const float alpha = std::clamp(((p.r - bg.r) * cr + (p.g - bg.g) * cg + (p.b - bg.b) * cb) / length2, 0.0f, 1.0f);
    const float residual = colour_distance(p, {bg.r + alpha * cr, bg.g + alpha * cg, bg.b + alpha * cb});
    if (residual < best.residual) best = {alpha, false, residual};
  }
  // Which colour covers the pixel: the nearer blend line from the background, which is better
  // determined at the edge than beta (a blend of background and shade can be fitted with a
  // little more of a colour-shade mixture).
  best.shaded = distance_to_blend(p, bg, shade) < distance_to_blend(p, bg, main);
  return best;
}

}  // namespace

FrameComponents find_components(const uint8_t* rgb, int width, int height, const BackgroundModel& background,
                                const SegmentationOptions& options, Weather weather) {
  const float area_scale = static_cast<float>(width) * height / 4096.0f;
  const bool particles = weather == Weather::Rain || weather == Weather::Snow;
  const Rgb particle = weather == Weather::Rain ? rain_rgb() : snow_rgb();
  std::vector<uint8_t> foreground(static_cast<std::size_t>(width) * height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const int i = y * width + x;
      const Rgb p = pixel_at(rgb, i), bg = background.rows[static_cast<std::size_t>(y)];
      foreground[static_cast<std::size_t>(i)] =
          colour_distance(p, bg) > options.foreground_distance &&
          !(particles && distance_to_blend(p, bg, particle) < options.particle_distance);
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
                            const BackgroundModel& background, Weather weather, const SegmentationOptions& options) {
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
  // Every pixel near the object is explained as the background row covered to a fraction alpha
  // by a blend of the colour and its shade (stripe and dot edges); the object's pixels are those
  // covered at least half, which puts the outline where the renderer drew it.
  const std::size_t n = candidate.size();
  std::vector<Coverage> cover(n);
  std::vector<uint8_t> member(n, 0), particle_pixel(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (!candidate[i]) continue;
    const Rgb p = pixel_at(rgb, static_cast<int>(i)), bg = background.rows[i / static_cast<std::size_t>(width)];
    cover[i] = fit_coverage(p, bg, main, shade);
    if (particles && colour_distance(p, bg) > options.foreground_distance &&
        distance_to_blend(p, bg, particle) < cover[i].residual) {
      particle_pixel[i] = 1;  // a raindrop or flake behind the object's edge
      continue;
    }
    member[i] = cover[i].alpha >= 0.5f;
  }
  auto is_member = [&](int x, int y) {
    return x >= 0 && y >= 0 && x < width && y < height && member[static_cast<std::size_t>(y * width + x)];
  };
  auto is_particle = [&](int x, int y) {
    return x >= 0 && y >= 0 && x < width && y < height && particle_pixel[static_cast<std::size_t>(y * width + x)];
  };
  double sum = 0, sx = 0, sy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!candidate[i] || particle_pixel[i]) continue;
    const int x = static_cast<int>(i) % width, y = static_cast<int>(i) / width;
    const float alpha = cover[i].alpha;
    sum += alpha;
    sx += alpha * (x + 0.5);
    sy += alpha * (y + 0.5);
    if (!member[i]) continue;
    bool rim = false, touches_particle = false;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        rim = rim || !is_member(x + dx, y + dy);
        touches_particle = touches_particle || is_particle(x + dx, y + dy);
      }
    region.pixels.push_back(static_cast<int>(i));
    region.shade.push_back(cover[i].shaded);
    region.rim.push_back(rim);
    // A particle at the object's edge blends with it into colours that can pass for the shade
    // (black and white make grey); such pixels say nothing about the texture.
    region.texture_evidence.push_back(!touches_particle);
  }
  region.area = sum;
  if (sum > 0) {
    region.x = sx / sum;
    region.y = sy / sum;
  }
  return region;
}

}  // namespace viva::shapes
