#pragma once
// Texture from local statistics inside an object: how much of it is drawn in the texture shade,
// and where. An outline is shade along the whole rim; stripes cross the rim in places; dots stay
// inside it; a solid object has (almost) no shade.
#include "viva/shapes/judge/frame_segmentation.h"
#include "viva/shapes/world/attributes.h"

namespace viva::shapes {

struct TextureStatistics {
  double shade_share = 0;      // of all the object's pixels
  double rim_shade_share = 0;  // of its rim pixels
  int shade_pixels = 0;
  int inner_shade_pixels = 0;  // shade pixels off the rim (a solid object has none)
  int rim_shade_pixels = 0;    // shade pixels on the rim (dots have none)
};

TextureStatistics texture_statistics(const ObjectRegion& region);
Texture classify_texture(const ObjectRegion& region, ShapeKind shape);

}  // namespace viva::shapes
