#include <gtest/gtest.h>

#include <filesystem>

#include "../support/temp_dir.h"
#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/io/caption_strip.h"
#include "viva/io/image.h"
#include "viva/io/side_by_side.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"
#include "viva/nn/media_tensors.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;
using testing::write_bytes;

bool frames_equal(const VideoFrames& a, int ta, const VideoFrames& b, int tb) {
  return std::equal(a.frame(ta), a.frame(ta) + a.frame_bytes(), b.frame(tb));
}

TEST(Video, H264RoundTripKeepsShapeAndQuality) {
  TempDir dir;
  const VideoFrames clip = make_test_pattern(17, 48, 64, 24.0);
  write_video(dir.file("clip.mp4"), clip);
  const VideoInfo info = probe_video(dir.file("clip.mp4"));
  EXPECT_EQ(info.codec, "h264");
  EXPECT_EQ(info.width, 64);
  EXPECT_EQ(info.height, 48);
  EXPECT_NEAR(info.fps, 24.0, 1e-6);
  const VideoFrames decoded = read_video(dir.file("clip.mp4"));
  ASSERT_EQ(decoded.frames, 17);
  ASSERT_EQ(decoded.width, 64);
  ASSERT_EQ(decoded.height, 48);
  EXPECT_NEAR(decoded.fps, 24.0, 1e-6);
  const double db = psnr(clip, decoded);
  EXPECT_GT(db, 35.0);
  RecordProperty("psnr_db", std::to_string(db));
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"clip.mp4"});
}

TEST(Video, LosslessFormatsRoundTripExactly) {
  TempDir dir;
  const VideoFrames clip = make_test_pattern(5, 32, 48, 12.0);
  write_video(dir.file("clip.mkv"), clip);
  EXPECT_EQ(probe_video(dir.file("clip.mkv")).codec, "ffv1");
  const VideoFrames mkv = read_video(dir.file("clip.mkv"));
  ASSERT_EQ(mkv.frames, 5);
  EXPECT_EQ(mkv.pixels, clip.pixels);

  write_video(dir.file("frames"), clip);  // no extension: a folder of PNG frames
  EXPECT_TRUE(std::filesystem::exists(dir.file("frames/00004.png")));
  const VideoFrames png = read_video(dir.file("frames"));
  ASSERT_EQ(png.frames, 5);
  EXPECT_EQ(png.pixels, clip.pixels);
  expect_error_containing([&] { write_video(dir.file("frames"), clip); }, {"exists and is not empty"});
}

TEST(Video, DecodeOptionsSelectFrames) {
  TempDir dir;
  const VideoFrames clip = make_test_pattern(24, 32, 32, 24.0);
  write_video(dir.file("clip.mkv"), clip);
  const std::string path = dir.file("clip.mkv");

  const VideoFrames first5 = read_video(path, DecodeOptions().set_max_frames(5));
  ASSERT_EQ(first5.frames, 5);
  EXPECT_TRUE(frames_equal(first5, 4, clip, 4));

  const VideoFrames strided = read_video(path, DecodeOptions().set_stride(3));
  ASSERT_EQ(strided.frames, 8);
  EXPECT_NEAR(strided.fps, 8.0, 1e-9);
  for (int t = 0; t < 8; ++t) EXPECT_TRUE(frames_equal(strided, t, clip, 3 * t)) << t;

  const VideoFrames resampled = read_video(path, DecodeOptions().set_target_fps(12));
  ASSERT_EQ(resampled.frames, 12);
  for (int t = 0; t < 12; ++t) EXPECT_TRUE(frames_equal(resampled, t, clip, 2 * t)) << t;

  const VideoFrames upsampled = read_video(path, DecodeOptions().set_target_fps(48).set_max_frames(6));
  ASSERT_EQ(upsampled.frames, 6);
  for (int t = 0; t < 6; ++t) EXPECT_TRUE(frames_equal(upsampled, t, clip, t / 2)) << t;

  const VideoFrames late = read_video(path, DecodeOptions().set_start(0.5));
  ASSERT_EQ(late.frames, 12);
  EXPECT_TRUE(frames_equal(late, 0, clip, 12));

  expect_error_containing([&] { read_video(path, DecodeOptions().set_stride(2).set_target_fps(10)); },
                          {path, "either a frame stride or a target fps"});
  expect_error_containing([&] { read_video(path, DecodeOptions().set_start(100)); }, {"after the start time"});
}

TEST(Video, BadInputsGiveClearErrors) {
  TempDir dir;
  write_bytes(dir.file("empty.mp4"), "");
  expect_error_containing([&] { read_video(dir.file("empty.mp4")); }, {dir.file("empty.mp4"), "empty"});
  write_bytes(dir.file("notes.mp4"), "this is a text file, not a video\n");
  expect_error_containing([&] { read_video(dir.file("notes.mp4")); }, {dir.file("notes.mp4")});
  std::string noise(20000, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 2654435761u) >> 13);
  write_bytes(dir.file("noise.mkv"), noise);
  expect_error_containing([&] { read_video(dir.file("noise.mkv")); }, {dir.file("noise.mkv")});
  expect_error_containing([&] { read_video(dir.file("missing.mp4")); }, {"missing.mp4", "no such file"});
  expect_error_containing([&] { probe_video(dir.file("notes.mp4")); }, {"notes.mp4"});

  // A video cut in half decodes what is there or fails clearly, never crashes.
  write_video(dir.file("whole.mp4"), make_test_pattern(9, 32, 32, 24));
  const std::string whole = read_file(dir.file("whole.mp4"));
  write_bytes(dir.file("half.mp4"), whole.substr(0, whole.size() / 2));
  try {
    const VideoFrames half = read_video(dir.file("half.mp4"));
    EXPECT_LE(half.frames, 9);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("half.mp4"), std::string::npos);
  }
  // A corrupted middle (header intact) behaves the same way.
  std::string corrupt = whole;
  for (std::size_t i = corrupt.size() / 3; i < corrupt.size() * 2 / 3; ++i) corrupt[i] = static_cast<char>(i * 31);
  write_bytes(dir.file("corrupt.mp4"), corrupt);
  try {
    read_video(dir.file("corrupt.mp4"));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt.mp4"), std::string::npos);
  }
}

TEST(Video, FailedWritesLeaveNothingBehind) {
  TempDir dir;
  {
    VideoWriter writer(dir.file("partial.mp4"), 32, 32, 24.0);
    const VideoFrames clip = make_test_pattern(2, 32, 32, 24.0);
    writer.write(clip.frame(0));
  }  // destroyed without finish()
  EXPECT_TRUE(dir.listing().empty());
  expect_error_containing([&] { VideoWriter w(dir.file("odd.mp4"), 33, 32, 24.0); }, {"odd.mp4", "even width"});
  expect_error_containing([&] { VideoWriter w(dir.file("nofolder/x.mp4"), 32, 32, 24.0); },
                          {"output folder does not exist"});
  EXPECT_TRUE(dir.listing().empty());
}

TEST(Video, ResizeCenterCropKeepsAspectAndCentre) {
  // 64x32 with a distinct left, middle and right third: cropping to square keeps the middle.
  VideoFrames wide(1, 32, 64, 24.0);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 64; ++x) {
      uint8_t* p = wide.frame(0) + (y * 64 + x) * 3;
      p[0] = x < 16 ? 255 : 0;
      p[1] = x >= 16 && x < 48 ? 255 : 0;
      p[2] = x >= 48 ? 255 : 0;
    }
  const VideoFrames square = resize_center_crop(wide, 32, 32);
  ASSERT_EQ(square.width, 32);
  ASSERT_EQ(square.height, 32);
  for (std::size_t i = 0; i < square.pixels.size(); i += 3) {
    EXPECT_LT(square.pixels[i], 8);
    EXPECT_GT(square.pixels[i + 1], 247);
    EXPECT_LT(square.pixels[i + 2], 8);
  }
  const VideoFrames big = resize_center_crop(make_test_pattern(2, 30, 40, 24), 64, 48);
  EXPECT_EQ(big.width, 64);
  EXPECT_EQ(big.height, 48);
  EXPECT_EQ(big.frames, 2);
  expect_error_containing([&] { resize_center_crop(wide, 30, 32); }, {"multiples of 16"});
}

TEST(Video, FrameCountPolicyMakesFourKPlusOne) {
  EXPECT_TRUE(is_vae_frame_count(1));
  EXPECT_TRUE(is_vae_frame_count(33));
  EXPECT_FALSE(is_vae_frame_count(32));
  EXPECT_EQ(conform_frame_count(10, FrameCountPolicy::Truncate), 9);
  EXPECT_EQ(conform_frame_count(10, FrameCountPolicy::PadLast), 13);
  EXPECT_EQ(conform_frame_count(9, FrameCountPolicy::PadLast), 9);
  EXPECT_EQ(conform_frame_count(1, FrameCountPolicy::Truncate), 1);
  const VideoFrames clip = make_test_pattern(10, 16, 16, 24);
  const VideoFrames padded = apply_frame_count_policy(clip, FrameCountPolicy::PadLast);
  ASSERT_EQ(padded.frames, 13);
  EXPECT_TRUE(frames_equal(padded, 12, clip, 9));
  EXPECT_EQ(apply_frame_count_policy(clip, FrameCountPolicy::Truncate).frames, 9);
  expect_error_containing([] { parse_frame_count_policy("round"); }, {"truncate, pad"});
}

TEST(Image, PngRoundTripIsExactAndJpegIsClose) {
  TempDir dir;
  const VideoFrames clip = make_test_pattern(1, 24, 40, 1);
  Image image(40, 24);
  image.rgb = clip.pixels;
  write_image(dir.file("a.png"), image);
  const Image png = read_image(dir.file("a.png"));
  EXPECT_EQ(png.width, 40);
  EXPECT_EQ(png.rgb, image.rgb);
  write_image(dir.file("a.jpg"), image);
  const Image jpg = read_image(dir.file("a.jpg"));
  VideoFrames a(1, 24, 40, 1), b(1, 24, 40, 1);
  a.pixels = image.rgb;
  b.pixels = jpg.rgb;
  EXPECT_GT(psnr(a, b), 30.0);
  write_bytes(dir.file("bad.png"), "not a png");
  expect_error_containing([&] { read_image(dir.file("bad.png")); }, {"bad.png", "cannot read as an image"});
  expect_error_containing([&] { write_image(dir.file("a.gif"), image); }, {"unknown image extension"});
}

TEST(SideBySide, ComposesSourceEditedAndCaption) {
  TempDir dir;
  const VideoFrames source = make_test_pattern(5, 32, 32, 24);
  VideoFrames edited = source;
  std::fill(edited.pixels.begin(), edited.pixels.end(), 200);
  const VideoFrames both = compose_side_by_side(source, edited, "make it snow");
  EXPECT_EQ(both.width, 72);
  EXPECT_GT(both.height, 32);
  EXPECT_EQ(both.height % 2, 0);
  EXPECT_TRUE(std::equal(source.frame(3), source.frame(3) + 32 * 3, both.frame(3)));
  EXPECT_EQ(both.frame(0)[(0 * 72 + 40) * 3], 200);
  // The caption strip holds light text pixels on a dark background.
  const Image strip = render_caption("make it snow", 72);
  int light = 0;
  for (std::size_t i = 0; i < strip.rgb.size(); i += 3) light += strip.rgb[i] > 200;
  EXPECT_GT(light, 20);
  EXPECT_GT(render_caption(std::string(300, 'w') + " wrapped words here", 72).height, strip.height);
  write_side_by_side(dir.file("sbs.mp4"), source, edited, "make it snow");
  EXPECT_EQ(read_video(dir.file("sbs.mp4")).width, 72);
}

TEST(TensorUtils, VideoTensorRoundTrip) {
  const VideoFrames clip = make_test_pattern(3, 16, 24, 8);
  const torch::Tensor x = video_to_tensor(clip);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{3, 3, 16, 24}));
  EXPECT_GE(x.min().item<float>(), -1.0f);
  EXPECT_LE(x.max().item<float>(), 1.0f);
  EXPECT_EQ(tensor_to_video(x, 8).pixels, clip.pixels);
  EXPECT_EQ(tensor_to_video(torch::full({3, 1, 2, 2}, 5.0), 8).pixels[0], 255);  // clamped
  Image image(24, 16);
  image.rgb.assign(clip.pixels.begin(), clip.pixels.begin() + clip.frame_bytes());
  EXPECT_EQ(tensor_to_image(image_to_tensor(image)).rgb, image.rgb);
}

}  // namespace
}  // namespace viva
