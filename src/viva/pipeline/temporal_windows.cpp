#include "viva/pipeline/temporal_windows.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "viva/core/error.h"
#include "viva/io/video_frames.h"

namespace viva {

int default_window_overlap(int window) {
  const int groups = (window - 1) / 4;
  const int quarter = std::max(1, static_cast<int>(std::lround((window - 1) / 16.0)));
  const int shared = std::max(0, std::min(quarter, groups - 1));  // the stride keeps at least one group
  return 4 * shared + 1;
}

std::vector<TemporalWindow> plan_temporal_windows(int total, int window, int overlap) {
  const std::string where = "temporal windows";
  if (total < 1) throw Error(where, "the video has no frames");
  if (!is_vae_frame_count(window) || window < 5)
    throw Error(where, "the window must be 4k+1 frames and at least 5, not " + std::to_string(window));
  if (!is_vae_frame_count(overlap) || overlap >= window)
    throw Error(where, "the overlap must be 4m+1 frames and less than the window (" + std::to_string(window) +
                           "), not " + std::to_string(overlap));
  std::vector<TemporalWindow> windows;
  int start = 0;
  while (true) {
    TemporalWindow w;
    w.start = start;
    w.overlap = windows.empty() ? 0 : overlap;
    w.frames = std::min(window, total - start);
    w.model_frames = conform_frame_count(w.frames, FrameCountPolicy::PadLast);
    windows.push_back(w);
    if (start + w.frames >= total) return windows;
    start += window - overlap;
  }
}

float crossfade_weight(int i, int n) { return static_cast<float>(i + 1) / static_cast<float>(n + 1); }

}  // namespace viva
