#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include "viva/core/error.h"
#include "viva/io/ffmpeg_backend.h"
#include "viva/io/ffmpeg_util.h"
#include "viva/io/frame_selector.h"

namespace viva {
namespace {

// Frames larger than this are refused before allocating (a corrupt header can claim anything).
constexpr int64_t kMaxFramePixels = 8192ll * 8192ll;

// Bytes in memory as an AVIOContext source.
struct MemorySource {
  const uint8_t* data;
  std::size_t size;
  std::size_t pos = 0;

  static int read(void* opaque, uint8_t* buf, int buf_size) {
    auto* self = static_cast<MemorySource*>(opaque);
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(buf_size), self->size - self->pos);
    if (n == 0) return AVERROR_EOF;
    std::memcpy(buf, self->data + self->pos, n);
    self->pos += n;
    return static_cast<int>(n);
  }
  static int64_t seek(void* opaque, int64_t offset, int whence) {
    auto* self = static_cast<MemorySource*>(opaque);
    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE) return static_cast<int64_t>(self->size);
    int64_t base = whence == SEEK_CUR ? static_cast<int64_t>(self->pos) : whence == SEEK_END ? static_cast<int64_t>(self->size) : 0;
    const int64_t target = base + offset;
    if (target < 0 || target > static_cast<int64_t>(self->size)) return AVERROR(EINVAL);
    self->pos = static_cast<std::size_t>(target);
    return target;
  }
};

// An opened input with its best video stream and a decoder for it. Owns every FFmpeg object.
class Demuxer {
 public:
  Demuxer(const std::string& path, MemorySource* memory) : path_(path) {
    // A throwing constructor runs no destructor: release what was opened before rethrowing.
    try {
      open(memory);
    } catch (...) {
      release();
      throw;
    }
  }

  ~Demuxer() { release(); }
  Demuxer(const Demuxer&) = delete;
  Demuxer& operator=(const Demuxer&) = delete;

 private:
  void open(MemorySource* memory) {
    quiet_ffmpeg_logs();
    format_ = avformat_alloc_context();
    if (!format_) throw file_error(path_, "out of memory");
    if (memory) {
      auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
      io_ = avio_alloc_context(buffer, kIoBufferSize, 0, memory, &MemorySource::read, nullptr, &MemorySource::seek);
      if (!io_) {
        av_free(buffer);
        throw file_error(path_, "out of memory");
      }
      format_->pb = io_;
      format_->flags |= AVFMT_FLAG_CUSTOM_IO;
    }
    int rc = avformat_open_input(&format_, memory ? nullptr : path_.c_str(), nullptr, nullptr);
    if (rc < 0) {
      format_ = nullptr;  // freed by avformat_open_input on failure
      throw file_error(path_, "cannot open as video: " + av_error_text(rc));
    }
    rc = avformat_find_stream_info(format_, nullptr);
    if (rc < 0) throw file_error(path_, "cannot read stream information: " + av_error_text(rc));
    const AVCodec* codec = nullptr;
    stream_index_ = av_find_best_stream(format_, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (stream_index_ == AVERROR_STREAM_NOT_FOUND) throw file_error(path_, "has no video stream");
    if (stream_index_ < 0 || !codec)
      throw file_error(path_, "no decoder for its video stream (" + av_error_text(stream_index_) + ")");
    stream_ = format_->streams[stream_index_];
    decoder_ = avcodec_alloc_context3(codec);
    if (!decoder_) throw file_error(path_, "out of memory");
    rc = avcodec_parameters_to_context(decoder_, stream_->codecpar);
    if (rc < 0) throw file_error(path_, "bad codec parameters: " + av_error_text(rc));
    decoder_->thread_count = memory ? 1 : 0;
    rc = avcodec_open2(decoder_, codec, nullptr);
    if (rc < 0) throw file_error(path_, "cannot open the " + std::string(codec->name) + " decoder: " + av_error_text(rc));
    rotation_ = stream_rotation(stream_);
    packet_ = av_packet_alloc();
    frame_ = av_frame_alloc();
    if (!packet_ || !frame_) throw file_error(path_, "out of memory");
  }

  void release() {
    sws_freeContext(sws_);
    sws_ = nullptr;
    av_frame_free(&frame_);
    av_packet_free(&packet_);
    avcodec_free_context(&decoder_);
    if (format_) avformat_close_input(&format_);
    if (io_) {
      av_freep(&io_->buffer);
      avio_context_free(&io_);
    }
  }

 public:
  VideoInfo info() const {
    VideoInfo info;
    info.path = path_;
    info.container = format_->iformat ? format_->iformat->name : "";
    info.codec = avcodec_get_name(stream_->codecpar->codec_id);
    const char* pix = av_get_pix_fmt_name(static_cast<AVPixelFormat>(stream_->codecpar->format));
    info.pixel_format = pix ? pix : "unknown";
    // As displayed: a quarter-turn rotation swaps the sides.
    const bool sideways = rotation_ == 90 || rotation_ == 270;
    info.width = sideways ? stream_->codecpar->height : stream_->codecpar->width;
    info.height = sideways ? stream_->codecpar->width : stream_->codecpar->height;
    info.rotation = rotation_;
    info.fps = native_fps();
    if (stream_->duration != AV_NOPTS_VALUE && stream_->duration > 0)
      info.duration_s = stream_->duration * av_q2d(stream_->time_base);
    else if (format_->duration != AV_NOPTS_VALUE && format_->duration > 0)
      info.duration_s = static_cast<double>(format_->duration) / AV_TIME_BASE;
    info.frame_count = stream_->nb_frames > 0 ? stream_->nb_frames : static_cast<int64_t>(std::llround(info.duration_s * info.fps));
    info.bit_rate = format_->bit_rate;
    const int audio = av_find_best_stream(format_, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (audio >= 0) {
      const AVStream* a = format_->streams[audio];
      info.audio_codec = avcodec_get_name(a->codecpar->codec_id);
      if (a->duration != AV_NOPTS_VALUE && a->duration > 0) info.audio_duration_s = a->duration * av_q2d(a->time_base);
    }
    return info;
  }

  double native_fps() const {
    AVRational rate = av_guess_frame_rate(format_, stream_, nullptr);
    return rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
  }

  VideoFrames decode(const DecodeOptions& options) {
    FrameSelector selector(options, native_fps());
    if (options.start_s > 0) {
      const int64_t ts = static_cast<int64_t>(options.start_s / av_q2d(stream_->time_base)) +
                         (stream_->start_time != AV_NOPTS_VALUE ? stream_->start_time : 0);
      if (av_seek_frame(format_, stream_index_, ts, AVSEEK_FLAG_BACKWARD) >= 0) avcodec_flush_buffers(decoder_);
    }
    int last_error = 0;
    while (!selector.full()) {
      const int rc = av_read_frame(format_, packet_);
      if (rc < 0) break;  // end of file, or unreadable rest: keep what was decoded
      if (packet_->stream_index == stream_index_) {
        const int sent = avcodec_send_packet(decoder_, packet_);
        if (sent < 0 && sent != AVERROR(EAGAIN)) last_error = sent;
        receive_frames(selector, last_error);
      }
      av_packet_unref(packet_);
    }
    if (!selector.full()) {
      avcodec_send_packet(decoder_, nullptr);
      receive_frames(selector, last_error);
    }
    VideoFrames video = selector.finish();
    if (video.frames == 0) {
      if (last_error < 0) throw file_error(path_, "no decodable video frames: " + av_error_text(last_error));
      throw file_error(path_, options.start_s > 0 ? "no video frames after the start time" : "no video frames");
    }
    return video;
  }

 private:
  static constexpr int kIoBufferSize = 1 << 16;

  void receive_frames(FrameSelector& selector, int& last_error) {
    while (!selector.full()) {
      const int rc = avcodec_receive_frame(decoder_, frame_);
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) {
        last_error = rc;
        return;
      }
      offer_frame(selector);
      av_frame_unref(frame_);
    }
  }

  void offer_frame(FrameSelector& selector) {
    if (frame_->width <= 0 || frame_->height <= 0 ||
        static_cast<int64_t>(frame_->width) * frame_->height > kMaxFramePixels)
      throw file_error(path_, "frame size " + std::to_string(frame_->width) + "x" + std::to_string(frame_->height) +
                                  " is out of range");
    // Frames keep the first frame's size even if the stream changes resolution midway.
    if (out_width_ == 0) {
      out_width_ = frame_->width;
      out_height_ = frame_->height;
      rgb_.resize(static_cast<std::size_t>(out_width_) * out_height_ * 3);
    }
    sws_ = sws_getCachedContext(sws_, frame_->width, frame_->height, static_cast<AVPixelFormat>(frame_->format),
                                out_width_, out_height_, AV_PIX_FMT_RGB24,
                                SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr);
    if (!sws_) throw file_error(path_, "cannot convert pixel format to RGB");
    uint8_t* planes[4] = {rgb_.data(), nullptr, nullptr, nullptr};
    int strides[4] = {out_width_ * 3, 0, 0, 0};
    sws_scale(sws_, frame_->data, frame_->linesize, 0, frame_->height, planes, strides);

    double time_s;
    const int64_t pts = frame_->best_effort_timestamp;
    if (pts != AV_NOPTS_VALUE) {
      const int64_t origin = stream_->start_time != AV_NOPTS_VALUE ? stream_->start_time : 0;
      time_s = (pts - origin) * av_q2d(stream_->time_base);
    } else {
      const double fps = native_fps() > 0 ? native_fps() : kImageSequenceFps;
      time_s = decoded_ / fps;
    }
    ++decoded_;
    if (rotation_ == 0) {
      selector.offer(time_s, rgb_.data(), out_width_, out_height_);
      return;
    }
    const bool sideways = rotation_ == 90 || rotation_ == 270;
    rotate_rgb(rgb_.data(), out_width_, out_height_, rotation_, rotated_);
    selector.offer(time_s, rotated_.data(), sideways ? out_height_ : out_width_, sideways ? out_width_ : out_height_);
  }

  // `src` (w x h RGB) turned `clockwise` degrees into `dst`, as a player shows it.
  static void rotate_rgb(const uint8_t* src, int w, int h, int clockwise, std::vector<uint8_t>& dst) {
    dst.resize(static_cast<std::size_t>(w) * h * 3);
    const int out_w = clockwise == 180 ? w : h;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        int ox = x, oy = y;
        if (clockwise == 90) ox = h - 1 - y, oy = x;
        else if (clockwise == 180) ox = w - 1 - x, oy = h - 1 - y;
        else ox = y, oy = w - 1 - x;  // 270
        std::memcpy(&dst[(static_cast<std::size_t>(oy) * out_w + ox) * 3], &src[(static_cast<std::size_t>(y) * w + x) * 3], 3);
      }
  }

  std::string path_;
  AVFormatContext* format_ = nullptr;
  AVIOContext* io_ = nullptr;
  AVStream* stream_ = nullptr;
  int stream_index_ = -1;
  AVCodecContext* decoder_ = nullptr;
  AVPacket* packet_ = nullptr;
  AVFrame* frame_ = nullptr;
  SwsContext* sws_ = nullptr;
  std::vector<uint8_t> rgb_, rotated_;
  int rotation_ = 0;  // clockwise degrees from the display matrix
  int out_width_ = 0;
  int out_height_ = 0;
  int64_t decoded_ = 0;
};

}  // namespace

std::string ffmpeg_version() { return av_version_info(); }

VideoInfo ffmpeg_probe(const std::string& path) { return Demuxer(path, nullptr).info(); }

VideoFrames ffmpeg_decode(const std::string& name, const MemoryBytes* memory, const DecodeOptions& options) {
  if (!memory) return Demuxer(name, nullptr).decode(options);
  MemorySource source{memory->data, memory->size};
  return Demuxer(name, &source).decode(options);
}

}  // namespace viva
