#include "viva/io/video_writer.h"

#include <cstdio>
#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/io/ffmpeg_backend.h"
#include "viva/io/image.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

std::string strip_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

VideoCodec codec_for_path(const std::string& path) {
  if (!path.empty() && path.back() == '/') return VideoCodec::PngSequence;
  const std::string ext = fs::path(path).extension().string();
  if (ext.empty()) return VideoCodec::PngSequence;
  if (ext == ".mkv") return VideoCodec::FFV1;
  if (ext == ".png" || ext == ".jpg" || ext == ".jpeg")
    throw file_error(path, "for PNG frames give a folder path (no extension); for a still image write an image");
  return VideoCodec::H264;
}

std::string lossless_video_extension() { return ffmpeg_version().empty() ? "" : ".mkv"; }

struct VideoWriter::Impl {
  std::string path;
  int width, height;
  VideoCodec codec;
  AtomicFile output;
  int64_t frames = 0;
  bool finished = false;

  std::unique_ptr<FfmpegEncoder> encoder;  // H.264 / FFV1

  Impl(const std::string& path_, int width_, int height_, VideoCodec codec_)
      : path(path_), width(width_), height(height_), codec(codec_), output(strip_trailing_slashes(path_)) {}

  ~Impl() {
    encoder.reset();  // closes the temporary file before AtomicFile removes it
    if (!finished && codec == VideoCodec::PngSequence) {
      std::error_code ignored;
      fs::remove_all(output.temp_path(), ignored);
    }
  }

  void write_png(const uint8_t* rgb) {
    char name[32];
    std::snprintf(name, sizeof name, "%05lld.png", static_cast<long long>(frames));
    Image image(width, height);
    std::copy(rgb, rgb + image.rgb.size(), image.rgb.begin());
    write_image((fs::path(output.temp_path()) / name).string(), image);
  }
};

void check_output_folder(const std::string& path) {
  fs::path target(path);
  if (!target.has_filename()) target = target.parent_path();  // "frames/": the folder of PNG frames
  const fs::path parent = target.parent_path();
  if (!parent.empty() && !fs::is_directory(parent)) throw file_error(path, "output folder does not exist");
}

VideoWriter::VideoWriter(const std::string& path, int width, int height, double fps, const EncodeOptions& options) {
  if (width <= 0 || height <= 0) throw file_error(path, "cannot write a video with no pixels");
  if (!(fps > 0)) throw file_error(path, "frame rate must be positive");
  if (options.crf < 0 || options.crf > 51) throw file_error(path, "crf must be within 0..51");
  const VideoCodec codec = options.codec == VideoCodec::Auto ? codec_for_path(path) : options.codec;
  impl_ = std::make_unique<Impl>(path, width, height, codec);
  check_output_folder(path);
  if (codec == VideoCodec::PngSequence) {
    const std::string& target = impl_->output.target();
    if (fs::exists(target) && !(fs::is_directory(target) && fs::is_empty(target)))
      throw file_error(path, "output folder for PNG frames exists and is not empty");
    fs::create_directory(impl_->output.temp_path());
  } else {
    impl_->encoder = open_ffmpeg_encoder(path, impl_->output.temp_path(), width, height, fps, codec, options);
  }
}

VideoWriter::~VideoWriter() = default;

void VideoWriter::write(const uint8_t* rgb) {
  if (impl_->finished) throw file_error(impl_->path, "write after finish");
  if (impl_->codec == VideoCodec::PngSequence)
    impl_->write_png(rgb);
  else
    impl_->encoder->encode(rgb);
  ++impl_->frames;
}

void VideoWriter::finish() {
  if (impl_->finished) return;
  if (impl_->frames == 0) throw file_error(impl_->path, "no frames were written");
  if (impl_->encoder) impl_->encoder->finish();
  const std::string& target = impl_->output.target();
  if (impl_->codec == VideoCodec::PngSequence && fs::is_directory(target)) fs::remove(target);  // empty, checked above
  impl_->output.commit();
  impl_->finished = true;
}

void write_video(const std::string& path, const VideoFrames& video, const EncodeOptions& options) {
  if (video.frames <= 0) throw file_error(path, "cannot write a video with no frames");
  VideoWriter writer(path, video.width, video.height, video.fps > 0 ? video.fps : 24.0, options);
  for (int t = 0; t < video.frames; ++t) writer.write(video.frame(t));
  writer.finish();
}

}  // namespace viva
