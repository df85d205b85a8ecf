#include "viva/shapes/judge/texture_classifier.h"

namespace viva::shapes {

TextureStatistics texture_statistics(const ObjectRegion& region) {
  TextureStatistics s;
  int rim = 0, rim_shade = 0;
  int counted = 0;
  for (std::size_t i = 0; i < region.pixels.size(); ++i) {
    if (!region.texture_evidence[i]) continue;
    ++counted;
    s.shade_pixels += region.shade[i];
    s.inner_shade_pixels += region.shade[i] && !region.rim[i];
    rim += region.rim[i];
    rim_shade += region.rim[i] && region.shade[i];
  }
  if (counted) s.shade_share = static_cast<double>(s.shade_pixels) / counted;
  if (rim) s.rim_shade_share = static_cast<double>(rim_shade) / rim;
  s.rim_shade_pixels = rim_shade;
  return s;
}

Texture classify_texture(const ObjectRegion& region, ShapeKind shape) {
  const TextureStatistics s = texture_statistics(region);
  // Thresholds sit between the ranges measured for each texture over 3000 random renders:
  // outlines shade at least 94% of the rim, stripes at most 67% of it but always 4 pixels or more,
  // dots at most 1 rim pixel, solid objects none and no shade inside either.
  if (s.rim_shade_share > 0.8 && s.shade_pixels >= 3 && shape != ShapeKind::Ring) return Texture::Outlined;
  if (s.inner_shade_pixels < 2 && s.rim_shade_pixels < 2) return Texture::Solid;
  if (shape == ShapeKind::Ring) return Texture::Striped;  // the only pattern a ring's band carries
  if (s.rim_shade_pixels <= 2) return Texture::Dotted;
  return Texture::Striped;
}

}  // namespace viva::shapes
