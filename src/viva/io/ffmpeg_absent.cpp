// Video I/O for a viva built without FFmpeg: still images and PNG/JPEG frame folders work (stb),
// video files are refused with an error that says why and what to use instead.
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_STATIC
#include <stb_image_resize.h>

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

namespace {

class StbRgbScaler : public RgbScaler {
 public:
  StbRgbScaler(int src_w, int src_h, int dst_w, int dst_h) : src_w_(src_w), src_h_(src_h), dst_w_(dst_w), dst_h_(dst_h) {}
  void scale(const uint8_t* src, uint8_t* dst) override {
    if (!stbir_resize_uint8(src, src_w_, src_h_, 0, dst, dst_w_, dst_h_, 0, 3))
      throw Error("resizing video", "stb_image_resize failed");
  }

 private:
  int src_w_, src_h_, dst_w_, dst_h_;
};

}  // namespace

std::unique_ptr<RgbScaler> make_rgb_scaler(int src_width, int src_height, int dst_width, int dst_height) {
  return std::make_unique<StbRgbScaler>(src_width, src_height, dst_width, dst_height);
}

std::unique_ptr<FfmpegEncoder> open_ffmpeg_encoder(const std::string& path, const std::string&, int, int, double,
                                                   VideoCodec, const EncodeOptions&) {
  refuse(path);
}

}  // namespace viva
