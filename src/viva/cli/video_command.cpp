// viva video info|convert: the media path every edit goes through, usable on its own.
#include <cstdio>
#include <memory>

#include "viva/cli/cli_common.h"
#include "viva/core/error.h"
#include "viva/core/progress.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"

namespace viva::cli {
namespace {

struct ConvertOptions {
  std::string input;
  std::string output;
  std::string size;
  int frames = 0;
  int stride = 1;
  double fps = 0;
  double start = 0;
  std::string vae_frames;
  int crf = 18;
};

void info(const std::string& path) {
  const VideoInfo i = probe_video(path);
  std::printf("file          %s\n", i.path.c_str());
  std::printf("container     %s\n", i.container.c_str());
  std::printf("codec         %s (%s)\n", i.codec.c_str(), i.pixel_format.c_str());
  const bool sideways = i.rotation == 90 || i.rotation == 270;
  std::printf("size          %dx%d%s\n", i.width, i.height,
              i.rotation ? (" (stored as " + std::to_string(sideways ? i.height : i.width) + "x" +
                            std::to_string(sideways ? i.width : i.height) + ", turned " + std::to_string(i.rotation) +
                            "° clockwise for display)")
                               .c_str()
                         : "");
  std::printf("fps           %.3f\n", i.fps);
  std::printf("duration      %.3f s\n", i.duration_s);
  std::printf("frames        %lld\n", static_cast<long long>(i.frame_count));
  std::printf("audio         %s\n", i.audio_codec.empty() ? "none" : (i.audio_codec + ", " + std::to_string(i.audio_duration_s).substr(0, 6) + " s").c_str());
  if (i.bit_rate > 0) std::printf("bit rate      %.0f kb/s\n", i.bit_rate / 1000.0);
}

void convert(const ConvertOptions& o) {
  DecodeOptions decode;
  decode.set_max_frames(o.frames).set_stride(o.stride).set_target_fps(o.fps).set_start(o.start);
  VideoFrames video = read_video(o.input, decode);
  const std::string decoded = std::to_string(video.frames) + " frames " + std::to_string(video.width) + "x" +
                              std::to_string(video.height);
  if (!o.size.empty()) {
    const auto [width, height] = parse_frame_size(o.size);
    video = resize_center_crop(video, width, height);
  }
  if (!o.vae_frames.empty()) video = apply_frame_count_policy(video, parse_frame_count_policy(o.vae_frames));

  VideoWriter writer(o.output, video.width, video.height, video.fps > 0 ? video.fps : 24.0,
                     EncodeOptions().set_crf(o.crf));
  Progress progress("encoding " + o.output, video.frames, ProgressOptions().set_unit("frame"));
  for (int t = 0; t < video.frames; ++t) {
    writer.write(video.frame(t));
    progress.advance();
  }
  writer.finish();
  progress.finish();
  std::printf("read %s: %s\n", o.input.c_str(), decoded.c_str());
  std::printf("wrote %s: %d frames %dx%d at %.3f fps\n", o.output.c_str(), video.frames, video.width, video.height,
              video.fps);
}

}  // namespace

void add_video_command(CLI::App& app) {
  auto* video = app.add_subcommand("video", "Inspect and convert videos (decode, resize, re-encode)");
  video->require_subcommand(1);

  auto info_path = std::make_shared<std::string>();
  auto* info_cmd = video->add_subcommand("info", "Print container, codec, size, fps, duration and frame count");
  info_cmd->add_option("file", *info_path, "Video file")->required();
  set_guarded_callback(info_cmd, [info_path] { info(*info_path); });

  auto compare_paths = std::make_shared<std::pair<std::string, std::string>>();
  auto* compare_cmd = video->add_subcommand("psnr", "PSNR in dB between two videos of the same size and frame count");
  compare_cmd->add_option("a", compare_paths->first, "First video")->required();
  compare_cmd->add_option("b", compare_paths->second, "Second video")->required();
  set_guarded_callback(compare_cmd, [compare_paths] {
    const VideoFrames a = read_video(compare_paths->first), b = read_video(compare_paths->second);
    if (a.width != b.width || a.height != b.height || a.frames != b.frames)
      throw Error(compare_paths->second, "is " + std::to_string(b.frames) + " frames " + std::to_string(b.width) + "x" +
                                             std::to_string(b.height) + " but " + compare_paths->first + " is " +
                                             std::to_string(a.frames) + " frames " + std::to_string(a.width) + "x" +
                                             std::to_string(a.height));
    std::printf("%.2f\n", psnr(a, b));
  });

  auto o = std::make_shared<ConvertOptions>();
  auto* convert_cmd = video->add_subcommand(
      "convert",
      "Decode, optionally resample/resize, and re-encode. The output format follows the path: .mp4 -> H.264, "
      ".mkv -> lossless FFV1, a path without extension -> folder of PNG frames");
  convert_cmd->add_option("input", o->input, "Video file, image, or folder of PNG/JPEG frames")->required();
  convert_cmd->add_option("output", o->output, "Output path")->required();
  convert_cmd->add_option("--size", o->size, "Resize and center-crop to WIDTHxHEIGHT (multiples of 16)");
  convert_cmd->add_option("--frames", o->frames, "Keep at most this many frames (0: all)")->check(CLI::NonNegativeNumber);
  convert_cmd->add_option("--stride", o->stride, "Keep every N-th frame")->check(CLI::PositiveNumber);
  convert_cmd->add_option("--fps", o->fps, "Resample in time to this frame rate")->check(CLI::PositiveNumber);
  convert_cmd->add_option("--start", o->start, "Start time in seconds")->check(CLI::NonNegativeNumber);
  convert_cmd->add_option("--vae-frames", o->vae_frames,
                          "Conform the frame count to 4k+1 for the causal VAE: truncate (drop the tail) or pad "
                          "(repeat the last frame)")
      ->check(CLI::IsMember({"truncate", "pad"}));
  convert_cmd->add_option("--crf", o->crf, "H.264 quality, 0 (best) to 51")->check(CLI::Range(0, 51));
  set_guarded_callback(convert_cmd, [o] { convert(*o); });
}

}  // namespace viva::cli
