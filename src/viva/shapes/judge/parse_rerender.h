#pragma once
// The artefact score of the oracle judge: the frames against a clean re-render of what the parser
// saw in them. A faithful ShapesWorld clip is explained almost exactly; blur, smears, ghost
// shapes and colour drift are not.
#include "viva/shapes/judge/scene_parser.h"
#include "viva/shapes/world/renderer.h"

namespace viva::shapes {

// The parsed scene drawn again (background, fog, objects where and as the parser found them, no
// rain or snow particles). Stripes and dots repeat under the shape's symmetry, so their angle is
// chosen by comparing with `video`.
VideoFrames render_parse(const ParsedScene& parse, const VideoFrames& video);

// Mean absolute difference (0..255) between the frames and render_parse, leaving out pixels
// that blend the re-rendered background with the parsed weather's particle colour.
double artefact_residual(const VideoFrames& video, const ParsedScene& parse);

}  // namespace viva::shapes
