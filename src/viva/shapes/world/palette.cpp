#include "viva/shapes/world/palette.h"

#include <algorithm>
#include <cmath>

namespace viva::shapes {
namespace {

struct BackgroundLook {
  Rgb top, bottom;
};

// Chosen so that every pair of looks, with and without fog, differs by more than 25 in every
// row (the parser tells them apart by counting matching pixels), and objects of most colours
// keep kMinColourContrast on each.
BackgroundLook look_of(Background b) {
  switch (b) {
    case Background::Sky:
      return {{40, 90, 180}, {110, 160, 225}};
    case Background::Grass:
      return {{40, 95, 35}, {95, 145, 55}};
    case Background::Sand:
      return {{220, 195, 135}, {185, 155, 100}};
    case Background::Night:
      return {{10, 15, 40}, {40, 45, 90}};
    case Background::Grey:
      return {{150, 150, 150}, {150, 150, 150}};
    case Background::Cream:
      return {{235, 228, 205}, {235, 228, 205}};
  }
  return {};
}

constexpr int kRowSamples = 21;

template <class F>
float min_over_rows(Background b, F&& distance) {
  float best = 1e9f;
  for (int i = 0; i < kRowSamples; ++i)
    best = std::min(best, distance(background_rgb(b, static_cast<float>(i) / (kRowSamples - 1))));
  return best;
}

float mean_template_distance(Background a, bool fog_a, Background b, bool fog_b) {
  float sum = 0;
  for (int i = 0; i < kRowSamples; ++i) {
    const float v = static_cast<float>(i) / (kRowSamples - 1);
    const Rgb ca = fog_a ? apply_fog(background_rgb(a, v)) : background_rgb(a, v);
    const Rgb cb = fog_b ? apply_fog(background_rgb(b, v)) : background_rgb(b, v);
    sum += colour_distance(ca, cb);
  }
  return sum / kRowSamples;
}

}  // namespace

float colour_distance(const Rgb& a, const Rgb& b) {
  const float dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b;
  return std::sqrt(dr * dr + dg * dg + db * db);
}

Rgb mix(const Rgb& a, const Rgb& b, float t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

float distance_to_blend(const Rgb& p, const Rgb& a, const Rgb& b) {
  const float ab[3] = {b.r - a.r, b.g - a.g, b.b - a.b};
  const float ap[3] = {p.r - a.r, p.g - a.g, p.b - a.b};
  const float length2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
  const float t =
      length2 > 0 ? std::clamp((ab[0] * ap[0] + ab[1] * ap[1] + ab[2] * ap[2]) / length2, 0.0f, 1.0f) : 0.0f;
  return colour_distance(p, mix(a, b, t));
}

Rgb colour_rgb(Colour c) {
  switch (c) {
    case Colour::Red:
      return {220, 40, 40};
    case Colour::Orange:
      return {250, 140, 20};
    case Colour::Yellow:
      return {245, 220, 40};
    case Colour::Green:
      return {40, 190, 60};
    case Colour::Cyan:
      return {40, 210, 220};
    case Colour::Blue:
      return {40, 80, 230};
    case Colour::Purple:
      return {140, 50, 210};
    case Colour::Pink:
      return {250, 130, 200};
    case Colour::White:
      return {245, 245, 245};
    case Colour::Black:
      return {25, 25, 25};
  }
  return {};
}

Rgb texture_shade(Colour c) {
  const Rgb base = colour_rgb(c);
  const float luma = 0.299f * base.r + 0.587f * base.g + 0.114f * base.b;
  if (luma < 60) return mix(base, {255, 255, 255}, 0.5f);
  return {base.r * 0.45f, base.g * 0.45f, base.b * 0.45f};
}

Rgb background_rgb(Background b, float v) {
  const BackgroundLook look = look_of(b);
  return mix(look.top, look.bottom, std::clamp(v, 0.0f, 1.0f));
}

bool background_is_gradient(Background b) { return b != Background::Grey && b != Background::Cream; }

Rgb rain_rgb() { return {200, 215, 255}; }
Rgb snow_rgb() { return {255, 255, 255}; }
Rgb fog_rgb() { return {215, 215, 225}; }
float fog_amount() { return 0.45f; }
Rgb apply_fog(const Rgb& c) { return mix(c, fog_rgb(), fog_amount()); }

bool weather_allowed(Background b, Weather w) {
  switch (w) {
    case Weather::None:
      return true;
    case Weather::Rain:
      return min_over_rows(b, [](const Rgb& row) { return colour_distance(row, rain_rgb()); }) >= 80;
    case Weather::Snow:
      return min_over_rows(b, [](const Rgb& row) { return colour_distance(row, snow_rgb()); }) >= 80;
    case Weather::Fog:
      if (mean_template_distance(b, false, b, true) < 40) return false;
      for (Background other : all_backgrounds()) {
        if (other == b) continue;
        if (mean_template_distance(b, true, other, false) < 30 || mean_template_distance(b, true, other, true) < 30)
          return false;
      }
      return true;
  }
  return false;
}

bool object_visible(Colour c, Texture t, Background b, Weather w) {
  const Rgb main = colour_rgb(c), shade = texture_shade(c);
  const bool textured = t != Texture::Solid;
  if (min_over_rows(b, [&](const Rgb& row) { return colour_distance(main, row); }) < kMinColourContrast) return false;
  if (textured && min_over_rows(b, [&](const Rgb& row) { return colour_distance(shade, row); }) < kMinShadeContrast)
    return false;
  // Where stripes and dots meet the colour, pixels blend colour and shade; such blends must not
  // look like the background (white and its grey shade on a grey backdrop would).
  if (textured &&
      min_over_rows(b, [&](const Rgb& row) { return distance_to_blend(row, main, shade); }) < kMinBlendContrast)
    return false;
  if (w == Weather::Rain || w == Weather::Snow) {
    const Rgb particle = w == Weather::Rain ? rain_rgb() : snow_rgb();
    auto blend_distance = [&](const Rgb& colour) {
      return min_over_rows(b, [&](const Rgb& row) { return distance_to_blend(colour, row, particle); });
    };
    if (blend_distance(main) < kMinParticleContrast) return false;
    if (textured && blend_distance(shade) < kMinParticleContrast) return false;
    // A particle at the object's edge blends with it; that blend must not pass for the texture
    // shade (black and a white snowflake make grey, black's shade).
    if (distance_to_blend(shade, main, particle) < kMinBlendContrast) return false;
  }
  return true;
}

}  // namespace viva::shapes
