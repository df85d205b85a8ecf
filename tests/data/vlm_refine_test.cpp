// The data refinement stage (data/vlm_refine.h): pair flips, the clean-target draw, and whole
// runs against a local server with scripted answers.
#include <gtest/gtest.h>

#include <fstream>

#include "../support/grey_frames.h"
#include "../support/local_http_server.h"
#include "../support/temp_dir.h"
#include "viva/data/vlm_refine.h"
#include "viva/vlm/http_post.h"

namespace viva {
namespace {

using testing::chat_completion;
using testing::LocalHttpServer;
using testing::TempDir;
using testing::write_frames;

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
