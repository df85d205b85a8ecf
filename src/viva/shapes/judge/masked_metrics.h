#pragma once
// Pixel metrics of the oracle judge: preservation outside the edit mask (PSNR, SSIM against the
// source) and frame-to-frame change.
#include "viva/io/video_frames.h"

namespace viva::shapes {

// PSNR in dB over the pixels where `mask` is black (all frames, all channels); +infinity when
// they are equal, NaN when the mask covers everything. Videos of one shape.
double psnr_outside_mask(const VideoFrames& a, const VideoFrames& b, const VideoFrames& mask);

// Mean SSIM of the luma (7x7 uniform windows, the usual constants) over the pixels where `mask`
// is black, with a's masked pixels replaced by b's; NaN when the mask covers everything.
double ssim_outside_mask(const VideoFrames& a, const VideoFrames& b, const VideoFrames& mask);

// Mean absolute difference between consecutive frames, 0..255 (0 for a single frame).
double mean_frame_change(const VideoFrames& video);

}  // namespace viva::shapes
