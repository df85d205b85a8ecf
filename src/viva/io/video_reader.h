#pragma once
// Reading video through FFmpeg's libraries (anything libavformat opens) into RGB frames, and
// PNG/JPEG sequences from a folder. Bad input throws viva::Error naming the file.
#include <cstdint>
#include <string>

#include "viva/io/video_frames.h"

namespace viva {

struct VideoInfo {
  std::string path;
  std::string container;     // libavformat's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  std::string codec;         // e.g. "h264"
  std::string pixel_format;  // e.g. "yuv420p"
  int width = 0;   // as displayed, after `rotation`
  int height = 0;
  int rotation = 0;  // clockwise degrees from the display matrix; frames are read turned upright
  double fps = 0.0;
  double duration_s = 0.0;
  int64_t frame_count = 0;  // from the container, or duration x fps when it does not say
  int64_t bit_rate = 0;
  std::string audio_codec;      // the best audio stream's codec, "" when there is none
  double audio_duration_s = 0;  // its duration, when the container says
};

struct DecodeOptions {
  int max_frames = 0;       // 0: all
  int stride = 1;           // keep every stride-th decoded frame
  double target_fps = 0.0;  // > 0: resample in time to this rate (exclusive with stride > 1)
  double start_s = 0.0;     // skip everything before this time

  DecodeOptions& set_max_frames(int n) { max_frames = n; return *this; }
  DecodeOptions& set_stride(int s) { stride = s; return *this; }
  DecodeOptions& set_target_fps(double f) { target_fps = f; return *this; }
  DecodeOptions& set_start(double s) { start_s = s; return *this; }
};

// Frame rate assumed for image sequences, which carry none.
inline constexpr double kImageSequenceFps = 24.0;

VideoInfo probe_video(const std::string& path);

// `path` is a video file, a still image (one frame) or a folder of .png/.jpg frames (sorted
// by name).
VideoFrames read_video(const std::string& path, const DecodeOptions& options = {});

// At most `max_frames` frames (0: all) through fit_for_model (video_frames.h).
VideoFrames read_video_for_model(const std::string& path, int width, int height, int max_frames);

// The same decoder over bytes in memory (used by the fuzzer and for embedded data).
VideoFrames read_video_from_memory(const uint8_t* data, std::size_t size, const DecodeOptions& options,
                                   const std::string& name = "<memory>");

}  // namespace viva
