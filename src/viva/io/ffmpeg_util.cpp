#include "viva/io/ffmpeg_util.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
}

#include <cmath>
#include <cstring>
#include <mutex>

#include "viva/core/error.h"
#include "viva/io/ffmpeg_backend.h"

namespace viva {

std::string av_error_text(int code) {
  char buffer[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buffer, sizeof buffer);
  return buffer;
}

void quiet_ffmpeg_logs() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

// FFmpeg 6.1 moved stream side data into the codec parameters (and 7.0 removed the old calls).
#if LIBAVFORMAT_VERSION_INT >= AV_VERSION_INT(60, 15, 100)
#define VIVA_CODECPAR_SIDE_DATA 1
#endif

int stream_rotation(const AVStream* stream) {
#ifdef VIVA_CODECPAR_SIDE_DATA
  const AVPacketSideData* side = av_packet_side_data_get(stream->codecpar->coded_side_data,
                                                         stream->codecpar->nb_coded_side_data, AV_PKT_DATA_DISPLAYMATRIX);
  const auto* matrix = side && side->size >= 9 * sizeof(int32_t) ? reinterpret_cast<const int32_t*>(side->data) : nullptr;
#else
  size_t size = 0;
  const auto* matrix = reinterpret_cast<const int32_t*>(
      av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size));
  if (size < 9 * sizeof(int32_t)) matrix = nullptr;
#endif
  if (!matrix) return 0;
  const double counterclockwise = av_display_rotation_get(matrix);
  if (std::isnan(counterclockwise)) return 0;
  // To the nearest quarter turn, clockwise, in [0, 360).
  const long quarter = std::lround(-counterclockwise / 90.0);
  return static_cast<int>(((quarter % 4) + 4) % 4) * 90;
}

void set_stream_rotation(AVStream* stream, int clockwise_degrees) {
  int32_t matrix[9];
  // FFmpeg's setter takes a clockwise angle; its getter answers counterclockwise.
  av_display_rotation_set(matrix, static_cast<double>(clockwise_degrees));
#ifdef VIVA_CODECPAR_SIDE_DATA
  AVPacketSideData* side = av_packet_side_data_new(&stream->codecpar->coded_side_data,
                                                   &stream->codecpar->nb_coded_side_data, AV_PKT_DATA_DISPLAYMATRIX,
                                                   sizeof matrix, 0);
#else
  uint8_t* side = av_stream_new_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, sizeof matrix);
#endif
  if (!side) throw Error("writing video", "out of memory");
#ifdef VIVA_CODECPAR_SIDE_DATA
  std::memcpy(side->data, matrix, sizeof matrix);
#else
  std::memcpy(side, matrix, sizeof matrix);
#endif
}

namespace {

class SwsRgbScaler : public RgbScaler {
 public:
  SwsRgbScaler(int src_w, int src_h, int dst_w, int dst_h) : src_w_(src_w), src_h_(src_h), dst_w_(dst_w) {
    const bool shrinking = static_cast<int64_t>(dst_w) * dst_h < static_cast<int64_t>(src_w) * src_h;
    const int flags = (shrinking ? SWS_AREA : SWS_BICUBIC) | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT;
    ctx_ = sws_getContext(src_w, src_h, AV_PIX_FMT_RGB24, dst_w, dst_h, AV_PIX_FMT_RGB24, flags, nullptr, nullptr,
                          nullptr);
    if (!ctx_) throw Error("resizing video", "swscale could not set up the conversion");
  }
  ~SwsRgbScaler() override { sws_freeContext(ctx_); }
  SwsRgbScaler(const SwsRgbScaler&) = delete;
  SwsRgbScaler& operator=(const SwsRgbScaler&) = delete;

  void scale(const uint8_t* src, uint8_t* dst) override {
    const uint8_t* src_planes[4] = {src, nullptr, nullptr, nullptr};
    int src_strides[4] = {src_w_ * 3, 0, 0, 0};
    uint8_t* dst_planes[4] = {dst, nullptr, nullptr, nullptr};
    int dst_strides[4] = {dst_w_ * 3, 0, 0, 0};
    sws_scale(ctx_, src_planes, src_strides, 0, src_h_, dst_planes, dst_strides);
  }

 private:
  int src_w_, src_h_, dst_w_;
  SwsContext* ctx_ = nullptr;
};

}  // namespace

std::unique_ptr<RgbScaler> make_rgb_scaler(int src_width, int src_height, int dst_width, int dst_height) {
  return std::make_unique<SwsRgbScaler>(src_width, src_height, dst_width, dst_height);
}

}  // namespace viva
