// What a video carries besides its frames: the audio an edit keeps and the display rotation
// phones record. The fixtures come from Debian's ffmpeg (tests/golden/README.md).
#include <gtest/gtest.h>

#include <filesystem>

#include "../support/temp_dir.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"

namespace viva {
namespace {

using testing::TempDir;

std::string fixture(const std::string& name) { return std::string(VIVA_PROJECT_GOLDEN_DIR) + "/" + name; }

bool is_red(const VideoFrames& v, int x, int y) {
  const uint8_t* p = v.frame(0) + (static_cast<std::size_t>(y) * v.width + x) * 3;
  return p[0] > 150 && p[2] < 100;
}

// As ffmpeg shows it: 32x48 (a quarter turn counterclockwise), the red block at the bottom-left.
TEST(MediaMetadata, RotatedVideoIsReadAsDisplayed) {
  const VideoInfo info = probe_video(fixture("portrait_rotated.mp4"));
  EXPECT_EQ(info.rotation, 270);
  EXPECT_EQ(std::make_pair(info.width, info.height), std::make_pair(32, 48));
  const VideoFrames v = read_video(fixture("portrait_rotated.mp4"));
  ASSERT_EQ(std::make_pair(v.width, v.height), std::make_pair(32, 48));
  EXPECT_TRUE(is_red(v, 2, 45));   // bottom-left
  EXPECT_FALSE(is_red(v, 2, 2));   // top-left
  EXPECT_FALSE(is_red(v, 29, 2));  // top-right
  EXPECT_FALSE(is_red(v, 29, 45));
}

TEST(MediaMetadata, WrittenRotationIsReadBackTurned) {
  TempDir dir;
  VideoFrames clip(1, 32, 48, 24.0);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 12; ++x) clip.frame(0)[(y * 48 + x) * 3] = 255;  // red block at the top-left
  for (int clockwise : {90, 180, 270}) {
    // .mp4: FFmpeg 5.1's Matroska muxer does not store a display matrix.
    const std::string path = dir.file("r" + std::to_string(clockwise) + ".mp4");
    write_video(path, clip, EncodeOptions().set_rotation(clockwise));
    EXPECT_EQ(probe_video(path).rotation, clockwise);
    const VideoFrames v = read_video(path);
    const bool sideways = clockwise != 180;
    ASSERT_EQ(v.width, sideways ? 32 : 48);
    // Clockwise, the top-left corner goes to the top-right, then bottom-right, then bottom-left.
    const int right = v.width - 3, bottom = v.height - 3;
    const std::pair<int, int> corner = clockwise == 90 ? std::make_pair(right, 2)
                                       : clockwise == 180 ? std::make_pair(right, bottom)
                                                          : std::make_pair(2, bottom);
    EXPECT_TRUE(is_red(v, corner.first, corner.second)) << clockwise;
    EXPECT_FALSE(is_red(v, 2, 2)) << clockwise;
  }
}

TEST(MediaMetadata, AudioIsCopiedCutToTheSpan) {
  TempDir dir;
  const VideoInfo source = probe_video(fixture("with_audio.mp4"));
  ASSERT_EQ(source.audio_codec, "aac");
  const VideoFrames second = read_video(fixture("with_audio.mp4"), DecodeOptions().set_start(0.5).set_max_frames(24));
  ASSERT_EQ(second.frames, 24);
  for (const std::string name : {"cut.mp4", "cut.mkv"}) {
    write_video(dir.file(name), second, EncodeOptions().set_audio({fixture("with_audio.mp4"), 0.5, 1.0}));
    const VideoInfo out = probe_video(dir.file(name));
    EXPECT_EQ(out.audio_codec, "aac") << name;
    EXPECT_EQ(read_video(dir.file(name)).frames, 24) << name;
    // Whole AAC packets (1024 samples, 46 ms at 22.05 kHz) within the span.
    EXPECT_NEAR(out.audio_duration_s > 0 ? out.audio_duration_s : out.duration_s, 1.0, 0.05) << name;
  }
  // Whole: the tone lasts as long as the video.
  write_video(dir.file("whole.mp4"), read_video(fixture("with_audio.mp4")),
              EncodeOptions().set_audio({fixture("with_audio.mp4"), 0, 0}));
  EXPECT_NEAR(probe_video(dir.file("whole.mp4")).audio_duration_s, 2.0, 0.05);
  // No audio to carry: a silent source, a frame folder, a missing file.
  write_video(dir.file("silent.mkv"), make_test_pattern(3, 16, 16, 24.0));
  for (const std::string& from : {dir.file("silent.mkv"), dir.file("nowhere.mp4")}) {
    write_video(dir.file("out.mp4"), make_test_pattern(3, 16, 16, 24.0), EncodeOptions().set_audio({from, 0, 0}));
    EXPECT_EQ(probe_video(dir.file("out.mp4")).audio_codec, "") << from;
  }
  write_video(dir.file("frames/"), second, EncodeOptions().set_audio({fixture("with_audio.mp4"), 0.5, 1.0}));
  EXPECT_EQ(read_video(dir.file("frames/")).frames, 24);
}

}  // namespace
}  // namespace viva
