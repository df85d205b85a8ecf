#include "viva/io/ffmpeg_util.h"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
}

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
