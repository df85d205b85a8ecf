#pragma once
// Frames a VLM is shown: a few evenly spaced frames of a clip, shrunk so that requests stay
// small (a VLM sees a few hundred pixels per side anyway; full-size PNGs of a 720p clip would
// make each request tens of megabytes).
#include <cstdint>
#include <string>
#include <vector>

#include "viva/io/image.h"
#include "viva/io/video_frames.h"

namespace viva {


// Scaled down (area average, aspect kept) so neither side exceeds max_side; unchanged when it
// already fits or max_side <= 0.
Image fit_within(const Image& image, int max_side);

Image frame_image(const VideoFrames& video, int t);

// How many frames a clip has: exact for frame folders and images, the container's figure
// (sometimes an estimate) for video files; 0 when it cannot tell.
int64_t count_frames(const std::string& path);

// `count` evenly spaced frames of a video file, PNG/JPEG frame folder or still image, each fit
// within max_side; with span > 0 only from the clip's first `span` frames. Decodes with a
// stride so a long clip is not held whole in memory.
std::vector<Image> sample_frames(const std::string& path, int count, int max_side, int64_t span = 0);

}  // namespace viva
