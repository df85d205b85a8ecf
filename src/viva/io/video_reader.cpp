#include "viva/io/video_reader.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/io/ffmpeg_backend.h"
#include "viva/io/frame_selector.h"
#include "viva/io/image.h"

namespace viva {
namespace {

void validate(const DecodeOptions& options, const std::string& path) {
  if (options.max_frames < 0) throw file_error(path, "max frames must not be negative");
  if (options.stride < 1) throw file_error(path, "frame stride must be at least 1");
  if (options.target_fps < 0) throw file_error(path, "target fps must not be negative");
  if (options.start_s < 0) throw file_error(path, "start time must not be negative");
  if (options.target_fps > 0 && options.stride > 1)
    throw file_error(path, "choose either a frame stride or a target fps, not both");
}

bool is_frame_file(const std::filesystem::path& p) {
  const std::string ext = lower_extension(p.string());
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
  return ffmpeg_probe(path);
}

VideoFrames read_video(const std::string& path, const DecodeOptions& options) {
  validate(options, path);
  if (!std::filesystem::exists(path)) throw file_error(path, "no such file");
  if (std::filesystem::is_directory(path)) return read_image_sequence(path, options);
  if (std::filesystem::file_size(path) == 0) throw file_error(path, "file is empty");
  return ffmpeg_decode(path, nullptr, options);
}

VideoFrames read_video_for_model(const std::string& path, int width, int height, int max_frames) {
  return fit_for_model(read_video(path, DecodeOptions().set_max_frames(max_frames)), width, height);
}

VideoFrames read_video_from_memory(const uint8_t* data, std::size_t size, const DecodeOptions& options,
                                   const std::string& name) {
  validate(options, name);
  if (size == 0) throw file_error(name, "file is empty");
  const MemoryBytes memory{data, size};
  return ffmpeg_decode(name, &memory, options);
}

}  // namespace viva
