// What the VLM stages show the model: frames and prompts; and the parallel item runner.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "../support/grey_frames.h"
#include "../support/temp_dir.h"
#include "viva/io/ffmpeg_backend.h"
#include "viva/io/video_writer.h"
#include "viva/vlm/http_post.h"
#include "viva/vlm/parallel_items.h"
#include "viva/vlm/vlm_artifact.h"
#include "viva/vlm/vlm_frames.h"
#include "viva/vlm/vlm_judge.h"
#include "viva/vlm/vlm_rewrite.h"

namespace viva {
namespace {

using testing::TempDir;
using testing::write_frames;

std::string prompt_text(const VlmPrompt& p) {
  std::string text = p.system + "\n";
  for (const VlmPart& part : p.user)
    if (part.png.empty()) text += part.text + "\n";
  return text;
}

TEST(VlmFrames, EvenlySpacedIndicesIncludeBothEnds) {
  EXPECT_EQ(evenly_spaced_indices(10, 4), (std::vector<int>{0, 3, 6, 9}));
  EXPECT_EQ(evenly_spaced_indices(121, 3), (std::vector<int>{0, 60, 120}));
  EXPECT_EQ(evenly_spaced_indices(3, 8), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(evenly_spaced_indices(9, 1), (std::vector<int>{4}));
  EXPECT_TRUE(evenly_spaced_indices(0, 4).empty());
}

TEST(VlmFrames, FitWithinKeepsAspectAndAverages) {
  Image checker(40, 20);
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 40; ++x) checker.at(x, y)[0] = ((x + y) % 2) ? 200 : 0;
  const Image small = fit_within(checker, 10);
  EXPECT_EQ(small.width, 10);
  EXPECT_EQ(small.height, 5);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 10; ++x) EXPECT_EQ(small.at(x, y)[0], 100);  // 4x4 boxes, half 200, half 0
  const Image same = fit_within(checker, 64);
  EXPECT_EQ(same.rgb, checker.rgb);
}

TEST(VlmFrames, SamplesEvenlySpacedFramesOfAFrameFolder) {
  TempDir dir;
  const std::string clip = write_frames(dir.file("clip"), 10, 64, 48);
  const std::vector<Image> frames = sample_frames(clip, 4, 32);
  ASSERT_EQ(frames.size(), 4u);
  const int expected[] = {0, 30, 60, 90};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(frames[i].width, 32);
    EXPECT_EQ(frames[i].height, 24);
    EXPECT_EQ(frames[i].at(5, 5)[1], expected[i]) << i;
  }
  EXPECT_EQ(sample_frames(clip, 1, 0).at(0).at(0, 0)[0], 40);  // the middle of 10 frames: index 4
  EXPECT_EQ(sample_frames(clip, 20, 0).size(), 10u);
  // Only the first 5 frames: 0, 2, 4.
  const std::vector<Image> first = sample_frames(clip, 3, 0, 5);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[1].at(0, 0)[0], 20);
  EXPECT_EQ(first[2].at(0, 0)[0], 40);
  EXPECT_EQ(count_frames(clip), 10);
}

TEST(VlmFrames, SamplesEvenlySpacedFramesOfAVideoFile) {
  if (ffmpeg_version().empty()) GTEST_SKIP() << "viva was built without FFmpeg";
  TempDir dir;
  VideoFrames video(13, 16, 16, 24.0);
  for (int t = 0; t < 13; ++t) std::fill(video.frame(t), video.frame(t) + video.frame_bytes(), static_cast<uint8_t>(10 * t));
  write_video(dir.file("clip.mkv"), video);  // FFV1: lossless
  const std::vector<Image> frames = sample_frames(dir.file("clip.mkv"), 5, 0);
  ASSERT_EQ(frames.size(), 5u);
  const int expected[] = {0, 30, 60, 90, 120};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(frames[i].at(3, 3)[0], expected[i]) << i;
  const std::vector<Image> first = sample_frames(dir.file("clip.mkv"), 4, 0, 7);
  ASSERT_EQ(first.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(first[i].at(3, 3)[0], 20 * i) << i;
}

TEST(VlmPrompts, JudgeAsksForTheReferenceScoreOnlyWithAReference) {
  JudgeInput in;
  in.instruction = "Make it snow.";
  in.source_frames = {Image(8, 8), Image(8, 8)};
  in.edited_frames = {Image(8, 8), Image(8, 8)};
  VlmPrompt p = build_judge_prompt(in);
  EXPECT_EQ(p.image_count(), 4);
  std::string text = prompt_text(p);
  EXPECT_NE(text.find("Make it snow."), std::string::npos);
  for (const char* key : {"instruction_following", "source_preservation", "edit_quality", "0-3", "4-6", "7-10"})
    EXPECT_NE(text.find(key), std::string::npos) << key;
  EXPECT_EQ(text.find("subject_similarity"), std::string::npos);
  in.reference = Image(8, 8);
  p = build_judge_prompt(in);
  EXPECT_EQ(p.image_count(), 5);
  EXPECT_NE(prompt_text(p).find("subject_similarity"), std::string::npos);
  EXPECT_THROW(build_judge_prompt(JudgeInput{}), Error);
}

TEST(VlmPrompts, RewriteAndArtifactPromptsCarryTheirInputs) {
  RewriteInput r;
  r.task = "replace";
  r.templated_instruction = "replace dog with cat";
  r.source_caption = "a dog on grass";
  r.target_caption = "a cat on grass";
  r.source_frames = {Image(8, 8)};
  r.target_frames = {Image(8, 8)};
  std::string text = prompt_text(build_rewrite_prompt(r));
  for (const char* s : {"replace dog with cat", "a dog on grass", "a cat on grass", "\"instruction\""})
    EXPECT_NE(text.find(s), std::string::npos) << s;
  EXPECT_EQ(text.find("OPPOSITE"), std::string::npos);
  r.template_is_reversed = true;
  EXPECT_NE(prompt_text(build_rewrite_prompt(r)).find("OPPOSITE"), std::string::npos);

  ArtifactInput a;
  a.frames = {Image(8, 8), Image(8, 8), Image(8, 8)};
  a.caption = "a cat on grass";
  const VlmPrompt ap = build_artifact_prompt(a);
  EXPECT_EQ(ap.image_count(), 3);
  EXPECT_NE(prompt_text(ap).find("\"artifact\": <true or false>"), std::string::npos);
}

TEST(VlmParallel, EveryItemOnceOnSeveralThreadsAndErrorsRethrown) {
  std::vector<std::atomic<int>> seen(50);
  std::set<std::thread::id> threads;
  int done = 0;
  for_each_item(
      50, 4, [&](int64_t i) { ++seen[i]; }, [&](int64_t) {
        ++done;  // under the shared lock
        threads.insert(std::this_thread::get_id());
      });
  for (auto& s : seen) EXPECT_EQ(s.load(), 1);
  EXPECT_EQ(done, 50);
  EXPECT_GE(threads.size(), 1u);
  EXPECT_THROW(for_each_item(
                   20, 3, [](int64_t i) { if (i == 7) throw Error("item 7 broke"); }, [](int64_t) {}),
               Error);
  for_each_item(0, 4, [](int64_t) { FAIL(); }, [](int64_t) {});
}

}  // namespace
}  // namespace viva
