#pragma once
// A video longer than the model's frame count is edited in overlapping temporal windows. Each
// window after the first starts `overlap` frames before the previous one ends; its first latent
// frames are fixed to the VAE encoding of those already edited frames (KnownFramesStep), and
// across the overlap the two windows' frames are cross-faded, so no seam shows.
//
// Window and overlap are 4k+1 frame counts: the causal VAE encodes the first frame alone and then
// groups of four, so an overlap of 4m+1 frames is exactly m+1 latent frames, and the window
// stride (window − overlap) is a multiple of four, which keeps every window's latent groups on
// the same four-frame boundaries.
#include <vector>

namespace viva {

struct TemporalWindow {
  int start = 0;         // first frame of the video in this window
  int frames = 0;        // frames of the video it covers
  int model_frames = 0;  // frames the model sees: `frames` padded with the last one to 4k+1
  int overlap = 0;       // frames shared with the previous window (0 for the first)
};

// The default overlap for a window of `window` frames: about a quarter of it (at least one
// four-frame group and the frame before it), so the windows share motion, not just a still,
// and the total work grows by about a third.
int default_window_overlap(int window);

// Windows covering `total` frames: full windows of `window` frames (4k+1), each `overlap` (4m+1,
// below `window`) frames into the previous one; the last covers what is left (padded). One
// window when `total` <= `window`. Throws on counts that break the rules above.
std::vector<TemporalWindow> plan_temporal_windows(int total, int window, int overlap);

// The weight of the newer window at position i (0-based) of an overlap of n frames: a linear
// cross-fade that never gives either window the whole frame inside the overlap.
float crossfade_weight(int i, int n);

}  // namespace viva
