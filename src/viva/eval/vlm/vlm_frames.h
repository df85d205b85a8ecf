#pragma once
// Frames a VLM is shown: a few evenly spaced frames of a clip, shrunk so that requests stay
// small (a VLM sees a few hundred pixels per side anyway; full-size PNGs of a 720p clip would
// make each request tens of megabytes).
#include <string>
#include <vector>

#include "viva/io/image.h"
#include "viva/io/video_frames.h"

namespace viva {

// `count` frame indices spread evenly over `total` frames, first and last included (one
// frame: the middle one); all of them when count >= total.
std::vector<int> evenly_spaced_indices(int total, int count);

// Scaled down (area average, aspect kept) so neither side exceeds max_side; unchanged when it
// already fits or max_side <= 0.
Image fit_within(const Image& image, int max_side);

Image frame_image(const VideoFrames& video, int t);

// `count` evenly spaced frames of a video file, PNG/JPEG frame folder or still image, each fit
// within max_side. Decodes with a stride so a long clip is not held whole in memory.
std::vector<Image> sample_frames(const std::string& path, int count, int max_side);

}  // namespace viva
