#pragma once
// A deterministic synthetic clip: a drifting colour gradient with a soft-edged square moving
// across it. Smooth enough that lossy codecs keep it above 35 dB, and moving so that
// temporal operations (stride, fps, start time) are observable. Used for the shipped sample
// and for tests; no randomness, so no seed.
#include "viva/io/video_frames.h"

namespace viva {

VideoFrames make_test_pattern(int frames, int height, int width, double fps);

}  // namespace viva
