#pragma once
// The ShapesWorld oracle judge for one clip (viva.md §3): the prediction's parse against the
// target scene the instruction implies, preservation outside the edit mask, temporal stability
// and an artefact score.
//
//   followed    the parse equals the target scene (background, weather, objects by colour, shape,
//               size class and texture) and every object the edit leaves alone is where the target
//               has it in every frame (position_tolerance). Style pairs: the style that, applied
//               to the source, best matches the prediction is the target's, at style_min_psnr or
//               better.
//   psnr, ssim  prediction vs source where the edit mask is black (NaN for whole-frame edits)
//   stability   share of frames whose own parse agrees with the clip's (NaN for images)
//   flicker     mean frame-to-frame change of the prediction minus the target's, 0..255 (NaN for images)
//   artefact    mean absolute residual against a re-render of the prediction's parse, 0..255
#include <limits>
#include <string>
#include <vector>

#include "viva/io/video_frames.h"
#include "viva/shapes/judge/scene_parser.h"
#include "viva/shapes/world/scene.h"

namespace viva::shapes {

struct JudgeOptions {
  ParserOptions parser;
  double position_tolerance = 2.0;  // pixels at 64x64, scaled with the frame
  double style_min_psnr = 20.0;     // dB
};

// A pair's ground truth, from DIR/scenes/<id>.json (shapes_dataset.h).
struct GroundTruth {
  std::string task;
  Scene source, target;
  std::vector<int> untouched;  // ids of objects the edit leaves exactly as they were
};
GroundTruth read_ground_truth(const std::string& path);

struct ClipScore {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::string id, task, kind, split;
  bool missing = false;  // no prediction file
  std::string error;     // the prediction could not be scored (unreadable, wrong shape)
  bool followed = false;
  std::vector<std::string> differences;  // why not followed
  double psnr = kNaN, ssim = kNaN, stability = kNaN, flicker = kNaN, artefact = kNaN;
};

// source, target, mask: the pair's clips; prediction: the clip to score (same shape as source).
ClipScore score_clip(const GroundTruth& truth, const VideoFrames& source, const VideoFrames& target,
                     const VideoFrames& mask, const VideoFrames& prediction, const JudgeOptions& options);

}  // namespace viva::shapes
