#pragma once
// Shared by the FFmpeg decoder and the image-sequence reader (internal to viva/io).
#include <cstdint>
#include <vector>

#include "viva/io/video_reader.h"

namespace viva {

// Decides which decoded frames become output frames: start time, stride or target fps, and
// the frame limit. Frames are offered in presentation order with their time in seconds.
class FrameSelector {
 public:
  FrameSelector(const DecodeOptions& options, double native_fps)
      : options_(options), native_fps_(native_fps > 0 ? native_fps : kImageSequenceFps) {}

  bool full() const { return options_.max_frames > 0 && out_.frames >= options_.max_frames; }

  void offer(double time_s, const uint8_t* rgb, int width, int height) {
    if (full() || time_s < options_.start_s - 0.25 / native_fps_) return;
    if (out_.frames == 0 && pending_.empty()) {
      out_.width = width;
      out_.height = height;
    }
    if (options_.target_fps <= 0) {
      if (offered_++ % options_.stride == 0) append(rgb);
      return;
    }
    // Resampling: each output time takes the latest frame shown at or before it. Containers
    // round timestamps (Matroska to 1 ms), so a frame counts as shown a quarter period early.
    if (!pending_.empty()) emit_pending_until(time_s - 0.25 / native_fps_);
    pending_.assign(rgb, rgb + out_.frame_bytes());
    pending_time_ = time_s;
  }

  VideoFrames finish() {
    if (!pending_.empty()) emit_pending_until(pending_time_ + 0.75 / native_fps_);
    out_.fps = options_.target_fps > 0 ? options_.target_fps : native_fps_ / options_.stride;
    return std::move(out_);
  }

 private:
  void append(const uint8_t* rgb) {
    out_.pixels.insert(out_.pixels.end(), rgb, rgb + out_.frame_bytes());
    ++out_.frames;
  }
  void emit_pending_until(double end_s) {
    while (!full()) {
      const double t = options_.start_s + out_.frames / options_.target_fps;
      if (t >= end_s - 1e-9) break;
      append(pending_.data());
    }
  }

  DecodeOptions options_;
  double native_fps_;
  VideoFrames out_;
  int64_t offered_ = 0;
  std::vector<uint8_t> pending_;
  double pending_time_ = 0;
};

}  // namespace viva
