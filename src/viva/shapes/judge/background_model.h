#pragma once
// The parser's first step: which ShapesWorld background (and whether fog) a clip shows, found by
// counting the pixels each candidate look explains; the winner gives every row's expected colour.
#include <vector>

#include "viva/io/video_frames.h"
#include "viva/shapes/world/palette.h"

namespace viva::shapes {

struct BackgroundModel {
  Background background = Background::Grey;
  bool fog = false;
  float match = 0;        // share of all pixels within tolerance of the chosen look
  std::vector<Rgb> rows;  // expected colour of each row, fog included

  // An object colour as it appears in this clip (fog blends it too).
  Rgb appearance(const Rgb& colour) const { return fog ? apply_fog(colour) : colour; }
};

// tolerance: RGB distance under which a pixel counts as explained by a candidate look.
BackgroundModel estimate_background(const VideoFrames& video, float tolerance = 22.0f);

}  // namespace viva::shapes
