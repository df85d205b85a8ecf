#pragma once
// ShapesWorld's colours: the named object colours, the shade their textures are drawn in, the
// background looks, weather particles and fog, and the contrast rules that keep every rendered
// object visible (and so recoverable by the scene parser, src/viva/shapes/judge/).
#include "viva/shapes/world/attributes.h"

namespace viva::shapes {

struct Rgb {
  float r = 0, g = 0, b = 0;
};

float colour_distance(const Rgb& a, const Rgb& b);  // Euclidean, 0..255 units
Rgb mix(const Rgb& a, const Rgb& b, float t);       // (1 - t)·a + t·b
// Distance from p to the segment a..b: how far p is from every blend of a and b.
float distance_to_blend(const Rgb& p, const Rgb& a, const Rgb& b);

// The object colour and the shade its stripes, dots and outline are drawn in: a darker copy,
// or for dark colours a lighter one, so the two always differ clearly.
Rgb colour_rgb(Colour c);
Rgb texture_shade(Colour c);

// Background colour at vertical position v (0 = top row, 1 = bottom row).
Rgb background_rgb(Background b, float v);
bool background_is_gradient(Background b);

// Weather: rain streaks and snowflakes are drawn over the background (behind the objects);
// fog blends every pixel towards a light grey.
Rgb rain_rgb();
Rgb snow_rgb();
Rgb fog_rgb();
float fog_amount();
Rgb apply_fog(const Rgb& c);

// A weather is allowed on a background when it shows: particles contrast with every row, and
// fog moves the background far from its clear look and from every other background's.
bool weather_allowed(Background b, Weather w);

// Minimum RGB distances an object keeps from what lies around it.
inline constexpr float kMinColourContrast = 90.0f;    // object colour vs background rows
inline constexpr float kMinShadeContrast = 60.0f;     // texture shade vs background rows
inline constexpr float kMinParticleContrast = 60.0f;  // object colours vs particle/background blends
inline constexpr float kMinBlendContrast = 40.0f;     // background rows vs blends of colour and shade

// Whether an object of this colour and texture stays clearly visible on the background under
// the weather (the scene sampler draws only such objects; the pair filter rejects the rest).
bool object_visible(Colour c, Texture t, Background b, Weather w);

}  // namespace viva::shapes
