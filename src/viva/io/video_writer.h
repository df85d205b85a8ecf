#pragma once
// Writing RGB frames as video: H.264 (yuv420p, CRF) in .mp4 through FFmpeg's libraries, or
// losslessly as FFV1 in .mkv or as a folder of PNG frames. Outputs are written under a
// temporary name and renamed when finished, so a failed job leaves nothing behind.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "viva/io/video_frames.h"

namespace viva {

enum class VideoCodec {
  Auto,         // from the path: .mkv -> FFV1, a path without extension or ending in '/' -> PNG folder, else H.264
  H264,         // lossy, yuv420p, needs even width and height
  FFV1,         // lossless, RGB
  PngSequence,  // lossless, a folder of 00000.png, 00001.png, ...
};

// A stretch of another file's audio to carry into the output, copied without re-encoding.
struct AudioClip {
  std::string path;        // "" (or a file without audio, or a frame folder): a silent output
  double start_s = 0;      // from the source's first video frame
  double duration_s = 0;   // 0: to the end
};

struct EncodeOptions {
  VideoCodec codec = VideoCodec::Auto;
  int crf = 18;                    // H.264 quality: 0 best .. 51 worst
  std::string preset = "medium";   // x264 speed/size trade-off
  AudioClip audio;                 // video files only; a codec the container cannot hold is left out with a warning
  int rotation = 0;                // display rotation to record (0, 90, 180, 270 clockwise), as phones do

  EncodeOptions& set_codec(VideoCodec c) { codec = c; return *this; }
  EncodeOptions& set_audio(AudioClip a) { audio = std::move(a); return *this; }
  EncodeOptions& set_rotation(int degrees) { rotation = degrees; return *this; }
  EncodeOptions& set_crf(int c) { crf = c; return *this; }
  EncodeOptions& set_preset(std::string p) { preset = std::move(p); return *this; }
};

// Throws naming `path` when the folder it would be written into does not exist; for callers to
// check before the work that makes the video rather than after it.
void check_output_folder(const std::string& path);

// The codec Auto picks for `path`.
VideoCodec codec_for_path(const std::string& path);

// The ending of a lossless video path this build writes: ".mkv" (FFV1) with FFmpeg, "" (a PNG
// frame folder) without it, e.g. on a GPU machine with a pip torch and no FFmpeg.
std::string lossless_video_extension();

class VideoWriter {
 public:
  VideoWriter(const std::string& path, int width, int height, double fps, const EncodeOptions& options = {});
  ~VideoWriter();  // without finish(): the partial output is deleted
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // One RGB24 frame of the size given at construction.
  void write(const uint8_t* rgb);
  // Flushes the encoder, closes the file and renames it into place.
  void finish();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Writes a whole video at its own fps (24 when it has none).
void write_video(const std::string& path, const VideoFrames& video, const EncodeOptions& options = {});

// Name of the H.264 encoder FFmpeg offers ("libx264"), or empty when there is none.
std::string h264_encoder_name();

}  // namespace viva
