// What the VLM stages show the model (frames, prompts) and the data refinement run against a
// local server with scripted answers.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "../support/local_http_server.h"
#include "../support/temp_dir.h"
#include "viva/data/vlm_refine.h"
#include "viva/eval/vlm/parallel_items.h"
#include "viva/eval/vlm/http_post.h"
#include "viva/eval/vlm/vlm_artifact.h"
#include "viva/eval/vlm/vlm_frames.h"
#include "viva/eval/vlm/vlm_judge.h"
#include "viva/eval/vlm/vlm_rewrite.h"
#include "viva/io/ffmpeg_backend.h"
#include "viva/io/video_writer.h"

namespace viva {
namespace {

using testing::chat_completion;
using testing::LocalHttpServer;
using testing::TempDir;

// A folder of `n` PNG frames, frame i filled with grey level 10 * i.
std::string write_frames(const std::string& folder, int n, int w = 32, int h = 24) {
  std::filesystem::create_directories(folder);
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%05d.png", i);
    write_image(folder + "/" + name, Image(w, h, static_cast<uint8_t>(10 * i)));
  }
  return folder;
}

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

TEST(VlmRefine, FlipSwapsRolesAndInvertsTheTask) {
  ManifestRow row;
  row.id = "r";
  row.task = "remove";
  row.source = "real.mp4";
  row.target = "synth.mp4";
  row.mask = "mask";
  row.source_caption = "a dog";
  row.target_caption = "grass";
  ManifestRow f = flip_pair(row);
  EXPECT_EQ(f.source, "synth.mp4");
  EXPECT_EQ(f.target, "real.mp4");
  EXPECT_EQ(f.mask, "mask");
  EXPECT_EQ(f.source_caption, "grass");
  EXPECT_EQ(f.target_caption, "a dog");
  EXPECT_EQ(f.task, "add");
  EXPECT_EQ(flip_pair(f).task, "remove");
  row.task = "reference_add";
  row.reference = "ref.png";
  f = flip_pair(row);
  EXPECT_EQ(f.task, "remove");
  EXPECT_TRUE(f.reference.empty());
  row.task = "reference_replace";
  EXPECT_EQ(flip_pair(row).task, "replace");
  row.task = "style";
  EXPECT_EQ(flip_pair(row).task, "style");
}

TEST(VlmRefine, CleanTargetDrawIsDeterministicWithTheAskedRate) {
  int hits = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string id = "pair" + std::to_string(i);
    const bool a = clean_synthetic_as_target(7, id, 0.3);
    EXPECT_EQ(a, clean_synthetic_as_target(7, id, 0.3));
    hits += a;
    EXPECT_FALSE(clean_synthetic_as_target(7, id, 0.0));
    EXPECT_TRUE(clean_synthetic_as_target(7, id, 1.0));
  }
  EXPECT_NEAR(hits / 4000.0, 0.3, 0.03);
  int differ = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "pair" + std::to_string(i);
    differ += clean_synthetic_as_target(1, id, 0.5) != clean_synthetic_as_target(2, id, 0.5);
  }
  EXPECT_GT(differ, 50);  // the seed matters
}

class VlmRefineRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (http_backend_version().empty()) GTEST_SKIP() << "viva was built without libcurl";
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  }

  // Three pairs whose target is the synthesised clip.
  std::string write_manifest_file(const TempDir& dir) {
    std::vector<ManifestRow> rows;
    const char* tasks[] = {"replace", "remove", "add"};
    for (int i = 0; i < 3; ++i) {
      ManifestRow r;
      r.id = "p" + std::to_string(i);
      r.task = tasks[i];
      r.source = write_frames(dir.file(r.id + "_real"), 3);
      r.target = write_frames(dir.file(r.id + "_synth"), 3);
      r.instruction = std::string(tasks[i]) + " template " + std::to_string(i);
      r.source_caption = "real " + std::to_string(i);
      r.target_caption = "synth " + std::to_string(i);
      rows.push_back(r);
    }
    write_manifest(dir.file("pairs.jsonl"), rows);
    return dir.file("pairs.jsonl");
  }
};

TEST_F(VlmRefineRun, LabelsFlipsRewritesAndLeavesOutFailures) {
  TempDir dir;
  VlmRefineOptions o;
  o.manifest = write_manifest_file(dir);
  o.out = dir.file("refined.jsonl");
  o.label_artifacts = true;
  o.clean_target_probability = 1.0;  // clean synthesised clips stay targets
  o.frames = 2;
  o.progress = ProgressMode::Silent;
  // p0: clean (kept as is); p1: artifacts (flipped, then rewritten); p2: never valid.
  LocalHttpServer server({{200, chat_completion(R"({"artifact": false, "reason": "clean"})")},
                          {200, chat_completion(R"({"artifact": true, "reason": "smeared dog"})")},
                          {200, chat_completion(R"({"instruction": "Add a brown dog on the grass."})")},
                          {200, chat_completion("maybe")}});
  const VlmClient client(VlmClientOptions().set_endpoint(server.base_url()).set_model("m").set_max_retries(0));
  const VlmRefineSummary s = refine_manifest(client, o);
  EXPECT_EQ(s.rows, 3);
  EXPECT_EQ(s.written, 2);
  EXPECT_EQ(s.labelled, 2);
  EXPECT_EQ(s.artifacts, 1);
  EXPECT_EQ(s.flipped, 1);
  EXPECT_EQ(s.rewritten, 1);
  EXPECT_EQ(s.failed, 1);

  const Manifest in = read_manifest(o.manifest);
  const Manifest out = read_manifest(o.out);
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_EQ(out.rows[0].id, "p0");
  EXPECT_EQ(out.rows[0].source, in.rows[0].source);
  EXPECT_EQ(out.rows[0].instruction, in.rows[0].instruction);
  EXPECT_EQ(out.rows[1].id, "p1");
  EXPECT_EQ(out.rows[1].source, in.rows[1].target);  // the synthesised clip is now the source
  EXPECT_EQ(out.rows[1].target, in.rows[1].source);
  EXPECT_EQ(out.rows[1].task, "add");
  EXPECT_EQ(out.rows[1].instruction, "Add a brown dog on the grass.");
  EXPECT_EQ(out.rows[1].source_caption, "synth 1");

  const auto q = server.requests();
  ASSERT_EQ(q.size(), 4u);
  // The rewrite of the flipped pair is told its template describes the other direction.
  EXPECT_NE(q[2].body.find("OPPOSITE"), std::string::npos);
  EXPECT_NE(q[2].body.find("remove template 1"), std::string::npos);

  std::ifstream report(o.out + ".refine.jsonl");
  std::string line, all;
  int rows = 0;
  while (std::getline(report, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    rows += j["event"] == "row";
    all += line + "\n";
  }
  EXPECT_EQ(rows, 3);
  EXPECT_NE(all.find("smeared dog"), std::string::npos);
  EXPECT_NE(all.find("not a single JSON object"), std::string::npos);
}

TEST_F(VlmRefineRun, RewritesEveryRowAndDropsArtifactsWhenAsked) {
  TempDir dir;
  VlmRefineOptions o;
  o.manifest = write_manifest_file(dir);
  o.out = dir.file("refined.jsonl");
  o.rewrite_instructions = true;
  o.label_artifacts = true;
  o.on_artifact = ArtifactAction::Drop;
  o.clean_target_probability = 1.0;
  o.frames = 1;
  o.jobs = 1;
  o.progress = ProgressMode::Silent;
  LocalHttpServer server({{200, chat_completion(R"({"artifact": true, "reason": "blur"})")},
                          {200, chat_completion(R"({"artifact": false, "reason": "ok"})")},
                          {200, chat_completion(R"({"instruction": "Remove the dog."})")},
                          {200, chat_completion(R"({"artifact": false, "reason": "ok"})")},
                          {200, chat_completion(R"({"instruction": "\"Add a cat.\""})")}});
  const VlmClient client(VlmClientOptions().set_endpoint(server.base_url()).set_model("m").set_max_retries(0));
  const VlmRefineSummary s = refine_manifest(client, o);
  EXPECT_EQ(s.dropped, 1);
  EXPECT_EQ(s.failed, 0);
  const Manifest out = read_manifest(o.out);
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_EQ(out.rows[0].instruction, "Remove the dog.");
  EXPECT_EQ(out.rows[1].task, "add");
  EXPECT_EQ(out.rows[1].instruction, "Add a cat.");  // quotes around the sentence are dropped
}

TEST_F(VlmRefineRun, ParallelJobsKeepTheManifestOrder) {
  TempDir dir;
  VlmRefineOptions o;
  o.manifest = write_manifest_file(dir);
  o.out = dir.file("refined.jsonl");
  o.rewrite_instructions = true;
  o.frames = 1;
  o.jobs = 3;
  o.progress = ProgressMode::Silent;
  LocalHttpServer server({{200, chat_completion(R"({"instruction": "Do it."})")}});
  const VlmClient client(VlmClientOptions().set_endpoint(server.base_url()).set_model("m"));
  EXPECT_EQ(refine_manifest(client, o).rewritten, 3);
  const Manifest out = read_manifest(o.out);
  ASSERT_EQ(out.rows.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(out.rows[i].id, "p" + std::to_string(i));
    EXPECT_EQ(out.rows[i].instruction, "Do it.");
  }
  EXPECT_EQ(server.requests().size(), 3u);
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

TEST(VlmRefineOptionsCheck, NothingToDoIsAnError) {
  if (http_backend_version().empty()) GTEST_SKIP() << "viva was built without libcurl";
  VlmRefineOptions o;
  o.manifest = "m.jsonl";
  o.out = "o.jsonl";
  const VlmClient client(VlmClientOptions().set_endpoint("http://127.0.0.1:1/v1").set_model("m"));
  testing::expect_error_containing([&] { refine_manifest(client, o); }, {"--rewrite-instructions", "--label-artifacts"});
}

}  // namespace
}  // namespace viva
