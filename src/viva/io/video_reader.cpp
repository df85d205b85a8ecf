#include "viva/io/video_reader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "viva/core/error.h"
#include "viva/io/ffmpeg_util.h"
#include "viva/io/image.h"

namespace viva {
namespace {

// Frames larger than this are refused before allocating (a corrupt header can claim anything).
constexpr int64_t kMaxFramePixels = 8192ll * 8192ll;

void validate(const DecodeOptions& options, const std::string& path) {
  if (options.max_frames < 0) throw file_error(path, "max frames must not be negative");
  if (options.stride < 1) throw file_error(path, "frame stride must be at least 1");
  if (options.target_fps < 0) throw file_error(path, "target fps must not be negative");
  if (options.start_s < 0) throw file_error(path, "start time must not be negative");
  if (options.target_fps > 0 && options.stride > 1)
    throw file_error(path, "choose either a frame stride or a target fps, not both");
}

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
    info.width = stream_->codecpar->width;
    info.height = stream_->codecpar->height;
    info.fps = native_fps();
    if (stream_->duration != AV_NOPTS_VALUE && stream_->duration > 0)
      info.duration_s = stream_->duration * av_q2d(stream_->time_base);
    else if (format_->duration != AV_NOPTS_VALUE && format_->duration > 0)
      info.duration_s = static_cast<double>(format_->duration) / AV_TIME_BASE;
    info.frame_count = stream_->nb_frames > 0 ? stream_->nb_frames : static_cast<int64_t>(std::llround(info.duration_s * info.fps));
    info.bit_rate = format_->bit_rate;
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
    selector.offer(time_s, rgb_.data(), out_width_, out_height_);
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
  std::vector<uint8_t> rgb_;
  int out_width_ = 0;
  int out_height_ = 0;
  int64_t decoded_ = 0;
};

bool is_frame_file(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

VideoFrames read_image_sequence(const std::string& folder, const DecodeOptions& options) {
  std::vector<std::filesystem::path> files;
  for (const auto& item : std::filesystem::directory_iterator(folder))
    if (item.is_regular_file() && is_frame_file(item.path())) files.push_back(item.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw file_error(folder, "folder holds no .png or .jpg frames");
  FrameSelector selector(options, kImageSequenceFps);
  int width = 0, height = 0;
  for (std::size_t i = 0; i < files.size() && !selector.full(); ++i) {
    Image image = read_image(files[i].string());
    if (i == 0) {
      width = image.width;
      height = image.height;
    } else if (image.width != width || image.height != height) {
      throw file_error(files[i].string(), "frame is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                              " but the sequence's first frame is " + std::to_string(width) + "x" +
                                              std::to_string(height));
    }
    selector.offer(static_cast<double>(i) / kImageSequenceFps, image.rgb.data(), image.width, image.height);
  }
  return selector.finish();
}

}  // namespace

VideoInfo probe_video(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw file_error(path, "is a folder; info needs a video file");
  return Demuxer(path, nullptr).info();
}

VideoFrames read_video(const std::string& path, const DecodeOptions& options) {
  validate(options, path);
  if (!std::filesystem::exists(path)) throw file_error(path, "no such file");
  if (std::filesystem::is_directory(path)) return read_image_sequence(path, options);
  if (std::filesystem::file_size(path) == 0) throw file_error(path, "file is empty");
  return Demuxer(path, nullptr).decode(options);
}

VideoFrames read_video_from_memory(const uint8_t* data, std::size_t size, const DecodeOptions& options,
                                   const std::string& name) {
  validate(options, name);
  if (size == 0) throw file_error(name, "file is empty");
  MemorySource source{data, size};
  return Demuxer(name, &source).decode(options);
}

}  // namespace viva
