#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include "viva/core/error.h"
#include "viva/io/ffmpeg_backend.h"
#include "viva/io/ffmpeg_util.h"

namespace viva {
namespace {

const AVCodec* find_h264_encoder() {
  if (const AVCodec* c = avcodec_find_encoder_by_name("libx264")) return c;
  return avcodec_find_encoder(AV_CODEC_ID_H264);
}

// Owns every FFmpeg object of one output file.
class LibavEncoder : public FfmpegEncoder {
 public:
  LibavEncoder(const std::string& path_, const std::string& file_, int width_, int height_, VideoCodec codec_)
      : path(path_), file(file_), width(width_), height(height_), codec(codec_) {}

  ~LibavEncoder() override {
    sws_freeContext(sws);
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&encoder);
    if (format) {
      if (format->pb) avio_closep(&format->pb);
      avformat_free_context(format);
    }
    if (audio_in) avformat_close_input(&audio_in);
  }

  // Adds a stream for `clip`'s audio when its file has one the container can hold (before the
  // header is written). Silence otherwise: a source without sound is not an error.
  void add_audio_stream(const AudioClip& clip) {
    if (clip.path.empty()) return;
    if (avformat_open_input(&audio_in, clip.path.c_str(), nullptr, nullptr) < 0) {
      audio_in = nullptr;  // a frame folder or an image: nothing to carry
      return;
    }
    if (avformat_find_stream_info(audio_in, nullptr) < 0) return;
    audio_index = av_find_best_stream(audio_in, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (audio_index < 0) return;
    const AVStream* in = audio_in->streams[audio_index];
    if (avformat_query_codec(format->oformat, in->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1) {
      std::fprintf(stderr, "viva: warning: %s: the source's %s audio cannot be stored in this container; written without sound\n",
                   path.c_str(), avcodec_get_name(in->codecpar->codec_id));
      audio_index = -1;
      return;
    }
    audio_out = avformat_new_stream(format, nullptr);
    if (!audio_out) throw file_error(path, "out of memory");
    int rc = avcodec_parameters_copy(audio_out->codecpar, in->codecpar);
    if (rc < 0) throw file_error(path, "cannot copy the audio parameters: " + av_error_text(rc));
    audio_out->codecpar->codec_tag = 0;
    audio_out->time_base = in->time_base;
    // The clip's times count from the source's first video frame, as the reader's do.
    const int video = av_find_best_stream(audio_in, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    const AVStream* v = video >= 0 ? audio_in->streams[video] : nullptr;
    const double origin = v && v->start_time != AV_NOPTS_VALUE ? v->start_time * av_q2d(v->time_base) : 0.0;
    audio_from_s = origin + clip.start_s;
    audio_to_s = clip.duration_s > 0 ? audio_from_s + clip.duration_s : HUGE_VAL;
  }

  // Copies the audio packets of [audio_from_s, audio_to_s), shifted to start with the video.
  void copy_audio() {
    if (!audio_out) return;
    const AVStream* in = audio_in->streams[audio_index];
    const double unit = av_q2d(in->time_base);
    if (audio_from_s > 0)
      av_seek_frame(audio_in, -1, static_cast<int64_t>(audio_from_s * AV_TIME_BASE), AVSEEK_FLAG_BACKWARD);
    const auto shift = static_cast<int64_t>(std::llround(audio_from_s / unit));
    while (av_read_frame(audio_in, packet) >= 0) {
      const bool ours = packet->stream_index == audio_index && packet->pts != AV_NOPTS_VALUE;
      const double t = ours ? packet->pts * unit : 0.0;
      if (ours && t >= audio_to_s) {
        av_packet_unref(packet);
        break;
      }
      // A packet starting before the span is dropped whole (AAC packets are ~20 ms).
      if (!ours || t < audio_from_s - 0.5 * unit) {
        av_packet_unref(packet);
        continue;
      }
      packet->pts -= shift;
      packet->dts = packet->dts == AV_NOPTS_VALUE ? packet->pts : std::max<int64_t>(packet->dts - shift, 0);
      av_packet_rescale_ts(packet, in->time_base, audio_out->time_base);
      packet->stream_index = audio_out->index;
      packet->pos = -1;
      const int rc = av_interleaved_write_frame(format, packet);
      if (rc < 0) throw file_error(path, "writing the audio failed: " + av_error_text(rc));
    }
  }

  void open(double fps, const EncodeOptions& options) {
    quiet_ffmpeg_logs();
    const AVCodec* c = codec == VideoCodec::H264 ? find_h264_encoder() : avcodec_find_encoder(AV_CODEC_ID_FFV1);
    if (!c)
      throw file_error(path, codec == VideoCodec::H264
                                 ? "this FFmpeg has no H.264 encoder; write .mkv (lossless FFV1) instead"
                                 : "this FFmpeg has no FFV1 encoder");
    AVPixelFormat pixel_format = AV_PIX_FMT_YUV420P;
    if (codec == VideoCodec::H264) {
      if (width % 2 || height % 2)
        throw file_error(path, "H.264 (yuv420p) needs an even width and height, got " + std::to_string(width) + "x" +
                                   std::to_string(height));
    } else {
      pixel_format = AV_PIX_FMT_NONE;
      // FFV1 stores RGB losslessly as planar GBR or packed 0RGB, depending on the build.
      for (AVPixelFormat wanted : {AV_PIX_FMT_GBRP, AV_PIX_FMT_0RGB32, AV_PIX_FMT_RGB32})
        for (const AVPixelFormat* p = c->pix_fmts; p && *p != AV_PIX_FMT_NONE; ++p)
          if (*p == wanted && pixel_format == AV_PIX_FMT_NONE) pixel_format = wanted;
      if (pixel_format == AV_PIX_FMT_NONE) throw file_error(path, "FFV1 encoder offers no RGB pixel format");
    }

    const char* muxer = codec == VideoCodec::FFV1 ? "matroska" : nullptr;
    int rc = avformat_alloc_output_context2(&format, nullptr, muxer, file.c_str());
    if (rc < 0 || !format) throw file_error(path, "no container format for this extension: " + av_error_text(rc));
    stream = avformat_new_stream(format, nullptr);
    encoder = avcodec_alloc_context3(c);
    if (!stream || !encoder) throw file_error(path, "out of memory");
    const AVRational rate = av_d2q(fps, 1000000);
    encoder->width = width;
    encoder->height = height;
    encoder->pix_fmt = pixel_format;
    encoder->framerate = rate;
    encoder->time_base = av_inv_q(rate);
    encoder->gop_size = 12;
    if (codec == VideoCodec::H264 && std::string(c->name) == "libx264") {
      av_opt_set(encoder->priv_data, "crf", std::to_string(options.crf).c_str(), 0);
      av_opt_set(encoder->priv_data, "preset", options.preset.c_str(), 0);
    }
    if (format->oformat->flags & AVFMT_GLOBALHEADER) encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    rc = avcodec_open2(encoder, c, nullptr);
    if (rc < 0) throw file_error(path, "cannot open the " + std::string(c->name) + " encoder: " + av_error_text(rc));
    rc = avcodec_parameters_from_context(stream->codecpar, encoder);
    if (rc < 0) throw file_error(path, "cannot set stream parameters: " + av_error_text(rc));
    stream->time_base = encoder->time_base;
    stream->avg_frame_rate = rate;
    if (options.rotation % 360 != 0) set_stream_rotation(stream, options.rotation);
    add_audio_stream(options.audio);
    rc = avio_open(&format->pb, file.c_str(), AVIO_FLAG_WRITE);
    if (rc < 0) throw file_error(path, "cannot create: " + av_error_text(rc));
    rc = avformat_write_header(format, nullptr);
    if (rc < 0) throw file_error(path, "cannot write the container header: " + av_error_text(rc));

    frame = av_frame_alloc();
    packet = av_packet_alloc();
    if (!frame || !packet) throw file_error(path, "out of memory");
    frame->format = pixel_format;
    frame->width = width;
    frame->height = height;
    rc = av_frame_get_buffer(frame, 0);
    if (rc < 0) throw file_error(path, "out of memory: " + av_error_text(rc));
    sws = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, pixel_format,
                         SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr);
    if (!sws) throw file_error(path, "cannot set up the RGB conversion");
  }

  void drain_packets() {
    while (true) {
      int rc = avcodec_receive_packet(encoder, packet);
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) throw file_error(path, "encoding failed: " + av_error_text(rc));
      av_packet_rescale_ts(packet, encoder->time_base, stream->time_base);
      packet->stream_index = stream->index;
      rc = av_interleaved_write_frame(format, packet);
      if (rc < 0) throw file_error(path, "writing failed: " + av_error_text(rc));
    }
  }

  void encode(const uint8_t* rgb) override {
    int rc = av_frame_make_writable(frame);
    if (rc < 0) throw file_error(path, "out of memory: " + av_error_text(rc));
    const uint8_t* planes[4] = {rgb, nullptr, nullptr, nullptr};
    int strides[4] = {width * 3, 0, 0, 0};
    sws_scale(sws, planes, strides, 0, height, frame->data, frame->linesize);
    frame->pts = frames++;
    rc = avcodec_send_frame(encoder, frame);
    if (rc < 0) throw file_error(path, "encoding failed: " + av_error_text(rc));
    drain_packets();
  }

  void finish() override {
    int rc = avcodec_send_frame(encoder, nullptr);
    if (rc < 0) throw file_error(path, "encoding failed: " + av_error_text(rc));
    drain_packets();
    copy_audio();
    rc = av_write_trailer(format);
    if (rc < 0) throw file_error(path, "cannot finish the container: " + av_error_text(rc));
    rc = avio_closep(&format->pb);
    if (rc < 0) throw file_error(path, "cannot close: " + av_error_text(rc));
  }


 private:
  std::string path, file;
  int width, height;
  VideoCodec codec;
  int64_t frames = 0;
  AVFormatContext* format = nullptr;
  AVCodecContext* encoder = nullptr;
  AVStream* stream = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* packet = nullptr;
  SwsContext* sws = nullptr;
  AVFormatContext* audio_in = nullptr;  // the file the audio is copied from
  int audio_index = -1;
  AVStream* audio_out = nullptr;
  double audio_from_s = 0, audio_to_s = 0;
};

}  // namespace

std::string h264_encoder_name() {
  const AVCodec* c = find_h264_encoder();
  return c ? c->name : "";
}

std::unique_ptr<FfmpegEncoder> open_ffmpeg_encoder(const std::string& path, const std::string& file, int width,
                                                   int height, double fps, VideoCodec codec,
                                                   const EncodeOptions& options) {
  auto encoder = std::make_unique<LibavEncoder>(path, file, width, height, codec);
  encoder->open(fps, options);
  return encoder;
}

}  // namespace viva
