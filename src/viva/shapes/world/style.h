#pragma once
// Global stylisations of a whole frame (the image-only "style" task, viva.md §3).
#include <cstdint>

#include "viva/shapes/world/attributes.h"

namespace viva::shapes {

// in, out: RGB uint8 [height, width, 3]; may be the same buffer. Style::None copies.
void apply_style(Style style, const uint8_t* in, uint8_t* out, int width, int height);

}  // namespace viva::shapes
