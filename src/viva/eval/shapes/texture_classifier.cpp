#include "viva/eval/shapes/texture_classifier.h"

namespace viva::shapes {

TextureStatistics texture_statistics(const ObjectRegion& region) {
  TextureStatistics s;
  int rim = 0, rim_shade = 0;
  for (std::size_t i = 0; i < region.pixels.size(); ++i) {
    s.shade_pixels += region.shade[i];
    rim += region.rim[i];
    rim_shade += region.rim[i] && region.shade[i];
  }
  if (!region.pixels.empty()) s.shade_share = static_cast<double>(s.shade_pixels) / static_cast<double>(region.pixels.size());
  if (rim) s.rim_shade_share = static_cast<double>(rim_shade) / rim;
  return s;
}

Texture classify_texture(const ObjectRegion& region, ShapeKind shape) {
  const TextureStatistics s = texture_statistics(region);
  if (s.shade_pixels < 2 || s.shade_share < 0.02) return Texture::Solid;
  if (shape == ShapeKind::Ring) return Texture::Striped;  // the only pattern a ring's band carries
  if (s.rim_shade_share > 0.7) return Texture::Outlined;
  if (s.rim_shade_share < 0.1) return Texture::Dotted;
  return Texture::Striped;
}

}  // namespace viva::shapes
