// Video I/O for a viva built without FFmpeg: still images and PNG/JPEG frame folders work (stb),
// video files are refused with an error that says why and what to use instead.
#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/io/ffmpeg_backend.h"
#include "viva/io/frame_selector.h"
#include "viva/io/image.h"

namespace viva {
namespace {

[[noreturn]] void refuse(const std::string& path) {
  throw file_error(path, "this viva was built without FFmpeg, so it reads and writes video only as folders of PNG "
                         "frames (rebuild with FFmpeg's development libraries for video files)");
}

bool is_image_path(const std::string& path) {
  const std::string ext = lower_extension(path);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

}  // namespace

std::string ffmpeg_version() { return ""; }

std::string h264_encoder_name() { return ""; }

VideoInfo ffmpeg_probe(const std::string& path) { refuse(path); }

VideoFrames ffmpeg_decode(const std::string& name, const MemoryBytes* memory, const DecodeOptions& options) {
  if (memory || !is_image_path(name)) refuse(name);
  const Image image = read_image(name);  // a still image is a one-frame video
  FrameSelector selector(options, kImageSequenceFps);
  selector.offer(0.0, image.rgb.data(), image.width, image.height);
  return selector.finish();
}

std::unique_ptr<FfmpegEncoder> open_ffmpeg_encoder(const std::string& path, const std::string&, int, int, double,
                                                   VideoCodec, const EncodeOptions&) {
  refuse(path);
}

}  // namespace viva
