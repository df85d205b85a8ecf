#pragma once
// The FFmpeg side of video I/O (internal to viva/io). ffmpeg_reader.cpp and ffmpeg_writer.cpp
// implement it over FFmpeg's libraries; ffmpeg_absent.cpp stands in when viva is built without
// FFmpeg (cmake -DVIVA_FFMPEG=OFF, or AUTO with no FFmpeg found), refusing video files with a
// clear error while PNG frame folders and still images keep working.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"

namespace viva {

// FFmpeg's version string, or "" when viva was built without it.
std::string ffmpeg_version();

struct MemoryBytes {
  const uint8_t* data;
  std::size_t size;
};

VideoInfo ffmpeg_probe(const std::string& path);
// Decodes the file `name`, or `memory` (then `name` only labels errors).
VideoFrames ffmpeg_decode(const std::string& name, const MemoryBytes* memory, const DecodeOptions& options);

// Scales RGB24 frames of one size to another: area averaging when shrinking, bicubic when growing.
class RgbScaler {
 public:
  virtual ~RgbScaler() = default;
  virtual void scale(const uint8_t* src, uint8_t* dst) = 0;
};
std::unique_ptr<RgbScaler> make_rgb_scaler(int src_width, int src_height, int dst_width, int dst_height);

// An H.264 or FFV1 encoder writing `file` (a temporary name); errors name `path`.
class FfmpegEncoder {
 public:
  virtual ~FfmpegEncoder() = default;
  virtual void encode(const uint8_t* rgb) = 0;
  // Flushes the encoder, writes the trailer and closes the file.
  virtual void finish() = 0;
};
std::unique_ptr<FfmpegEncoder> open_ffmpeg_encoder(const std::string& path, const std::string& file, int width,
                                                   int height, double fps, VideoCodec codec,
                                                   const EncodeOptions& options);

}  // namespace viva
