#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "viva/core/error.h"
#include "viva/pipeline/temporal_windows.h"

namespace viva {
namespace {

TEST(TemporalWindows, CoverEveryFrameOnFourFrameBoundaries) {
  for (int window : {5, 9, 13, 61}) {
    const int overlap = default_window_overlap(window);
    for (int total = 1; total <= 200; ++total) {
      const auto windows = plan_temporal_windows(total, window, overlap);
      int covered = 0;
      for (std::size_t k = 0; k < windows.size(); ++k) {
        const TemporalWindow& w = windows[k];
        EXPECT_EQ(w.start % 4, 0);
        EXPECT_EQ((w.model_frames - 1) % 4, 0);
        EXPECT_GE(w.model_frames, w.frames);
        EXPECT_LE(w.model_frames, window);
        EXPECT_EQ(w.overlap, k == 0 ? 0 : overlap);
        if (k > 0) {
          EXPECT_EQ(w.start, windows[k - 1].start + windows[k - 1].frames - overlap);
        }
        EXPECT_GT(w.frames, w.overlap);  // every window brings new frames
        covered = w.start + w.frames;
      }
      EXPECT_EQ(covered, total) << window << " " << total;
      if (total <= window) {
        EXPECT_EQ(windows.size(), 1u);
      }
    }
  }
}

TEST(TemporalWindows, DefaultsAndRefusals) {
  EXPECT_EQ(default_window_overlap(5), 1);
  EXPECT_EQ(default_window_overlap(9), 5);
  EXPECT_EQ(default_window_overlap(33), 9);
  EXPECT_EQ(default_window_overlap(61), 17);
  EXPECT_EQ(default_window_overlap(129), 33);
  const auto windows = plan_temporal_windows(29, 13, 5);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[1].start, 8);
  EXPECT_EQ(windows[2].start, 16);
  EXPECT_EQ(windows[2].frames, 13);
  const auto padded = plan_temporal_windows(12, 9, 5);  // the last window holds 8 frames, padded to 9
  ASSERT_EQ(padded.size(), 2u);
  EXPECT_EQ(padded[1].frames, 8);
  EXPECT_EQ(padded[1].model_frames, 9);
  testing::expect_error_containing([] { plan_temporal_windows(20, 8, 5); }, {"window must be 4k+1"});
  testing::expect_error_containing([] { plan_temporal_windows(20, 9, 9); }, {"overlap must be 4m+1", "less than"});
  testing::expect_error_containing([] { plan_temporal_windows(20, 9, 4); }, {"overlap must be 4m+1"});
  EXPECT_FLOAT_EQ(crossfade_weight(0, 1), 0.5f);
  EXPECT_FLOAT_EQ(crossfade_weight(4, 5), 5.0f / 6.0f);
}

}  // namespace
}  // namespace viva
