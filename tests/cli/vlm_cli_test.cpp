// `viva eval vlm`, `viva data refine` and `viva doctor`'s VLM line, run as a user runs them,
// against a local HTTP server standing in for the VLM.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/local_http_server.h"
#include "../support/temp_dir.h"
#include "viva/core/atomic_file.h"
#include "viva/data/manifest.h"
#include "viva/io/image.h"
#include "viva/vlm/http_post.h"

namespace viva {
namespace {

using testing::chat_completion;
using testing::LocalHttpServer;
using testing::TempDir;

const char* kKey = "sk-cli-secret-9876";

struct CliRun {
  int status = -1;
  std::string out, err;
};

CliRun run_viva(const TempDir& dir, const std::string& args, const std::string& env = "") {
  const std::string out = dir.file("stdout.txt"), err = dir.file("stderr.txt");
  const std::string command = env + " " + VIVA_CLI_PATH + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int raw = std::system(command.c_str());
  CliRun run;
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = read_file(out);
  run.err = read_file(err);
  return run;
}

std::string write_frames(const std::string& folder, int n, uint8_t level) {
  std::filesystem::create_directories(folder);
  for (int i = 0; i < n; ++i) write_image(folder + "/0000" + std::to_string(i) + ".png", Image(24, 16, level));
  return folder;
}

class VlmCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (http_backend_version().empty()) GTEST_SKIP() << "viva was built without libcurl";
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  }

  // Rows a (replace), b (reference_add, with a reference image), c (no prediction).
  std::string write_eval_set(const TempDir& dir) {
    std::vector<ManifestRow> rows;
    for (const std::string id : {"a", "b", "c"}) {
      ManifestRow r;
      r.id = id;
      r.task = id == "b" ? "reference_add" : "replace";
      r.source = write_frames(dir.file("src_" + id), 3, 50);
      r.instruction = "Edit " + id + ".";
      rows.push_back(r);
    }
    write_image(dir.file("ref.png"), Image(12, 12, 200));
    rows[1].reference = dir.file("ref.png");
    write_manifest(dir.file("test.jsonl"), rows);
    write_frames(dir.file("pred/a"), 3, 90);
    write_frames(dir.file("pred/b"), 3, 90);
    return dir.file("test.jsonl");
  }

  std::string eval_args(const TempDir& dir, const LocalHttpServer& server) {
    return "eval vlm --manifest " + write_eval_set(dir) + " --pred " + dir.file("pred") + " --vlm-endpoint " +
           server.base_url() + " --vlm-model judge-model --frames 2 --backoff 0.01 --json " + dir.file("scores.json") +
           " --log " + dir.file("log.jsonl");
  }
};

TEST_F(VlmCli, EvalScoresEachPredictionAndAveragesPerTask) {
  TempDir dir;
  LocalHttpServer server(
      {{200, chat_completion(R"({"instruction_following": 8, "source_preservation": 6, "edit_quality": 7, "reason": "a"})")},
       {200, chat_completion(R"({"instruction_following": 6, "source_preservation": 8, "edit_quality": 9, )"
                             R"("subject_similarity": 5, "reason": "b"})")}});
  const CliRun run = run_viva(dir, eval_args(dir, server), std::string("VIVA_VLM_API_KEY=") + kKey);
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("2 scored, 0 failed, 1 without a prediction"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("reference_add"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("all"), std::string::npos) << run.out;

  const nlohmann::json j = nlohmann::json::parse(read_file(dir.file("scores.json")));
  EXPECT_EQ(j["scored"], 2);
  EXPECT_EQ(j["missing_ids"], nlohmann::json::array({"c"}));
  EXPECT_DOUBLE_EQ(j["overall"]["instruction_following"].get<double>(), 7.0);
  EXPECT_DOUBLE_EQ(j["overall"]["edit_quality"].get<double>(), 8.0);
  EXPECT_DOUBLE_EQ(j["overall"]["subject_similarity"].get<double>(), 5.0);
  EXPECT_EQ(j["overall"]["n_reference"], 1);
  EXPECT_DOUBLE_EQ(j["per_task"]["replace"]["overall"].get<double>(), 7.0);
  EXPECT_TRUE(j["per_task"]["replace"]["subject_similarity"].is_null());
  EXPECT_DOUBLE_EQ(j["per_task"]["reference_add"]["overall"].get<double>(), 7.0);
  EXPECT_EQ(j["items"][1]["reason"], "b");

  const auto q = server.requests();
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].headers.at("authorization"), std::string("Bearer ") + kKey);
  const nlohmann::json body = nlohmann::json::parse(q[1].body);
  EXPECT_EQ(body["model"], "judge-model");
  int images = 0;
  for (const auto& part : body["messages"][1]["content"]) images += part["type"] == "image_url";
  EXPECT_EQ(images, 5);  // 2 source frames, 2 edited frames, the reference
  for (const std::string& text : {run.out, run.err, read_file(dir.file("scores.json")), read_file(dir.file("log.jsonl"))})
    EXPECT_EQ(text.find(kKey), std::string::npos);
}

// `viva eval bench --vlm-endpoint`: the judge's columns in the metrics table, per task, with the
// paper's average (3 aspects, or 4 where the rows have a reference image).
TEST_F(VlmCli, BenchPutsTheJudgesColumnsInTheTable) {
  TempDir dir;
  LocalHttpServer server(
      {{200, chat_completion(R"({"instruction_following": 8, "source_preservation": 6, "edit_quality": 7, "reason": "a"})")},
       {200, chat_completion(R"({"instruction_following": 6, "source_preservation": 8, "edit_quality": 9, )"
                             R"("subject_similarity": 5, "reason": "b"})")}});
  const std::string manifest = write_eval_set(dir);
  const CliRun run = run_viva(dir, "eval bench --manifest " + manifest + " --pred " + dir.file("pred") + " --out " +
                                       dir.file("bench") + " --vlm-endpoint " + server.base_url() +
                                       " --vlm-model judge-model --vlm-frames 2 --backoff 0.01");
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  const nlohmann::json table = nlohmann::json::parse(read_file(dir.file("bench/table.json")));
  ASSERT_EQ(table["rows"].size(), 3u);  // reference_add, replace, all
  const auto& reference = table["rows"][0];
  EXPECT_EQ(reference["category"], "reference_add");
  EXPECT_DOUBLE_EQ(reference["vlm_subject_similarity"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(reference["vlm_average"].get<double>(), (6 + 8 + 9 + 5) / 4.0);
  const auto& replace = table["rows"][1];
  EXPECT_FALSE(replace.contains("vlm_subject_similarity"));
  EXPECT_DOUBLE_EQ(replace["vlm_average"].get<double>(), (8 + 6 + 7) / 3.0);
  EXPECT_DOUBLE_EQ(table["rows"][2]["vlm_instruction_following"].get<double>(), 7.0);
  EXPECT_NE(table["models"]["vlm"].get<std::string>().find("judge-model"), std::string::npos);
  EXPECT_NE(run.out.find("vlm_average"), std::string::npos) << run.out;
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(VlmCli, EvalCountsFailuresWritesWhatItHasAndExitsOne) {
  TempDir dir;
  LocalHttpServer server({{200, chat_completion("{\"instruction_following\": 8}")}});
  const CliRun run = run_viva(dir, eval_args(dir, server) + " --retries 1");
  EXPECT_EQ(run.status, 1);
  // The progress line comes first; the error is the last line.
  EXPECT_NE(run.err.find("\nviva: error: viva eval vlm: 2 of 2 edits could not be scored"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("0 scored, 2 failed"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("failed a:"), std::string::npos) << run.out;
  EXPECT_EQ(server.requests().size(), 4u);
  const nlohmann::json j = nlohmann::json::parse(read_file(dir.file("scores.json")));
  EXPECT_EQ(j["failed"], 2);
  EXPECT_NE(j["items"][0]["error"].get<std::string>().find("lacks the key"), std::string::npos);
}

TEST_F(VlmCli, EvalWithNoPredictionsOrBadEndpointIsAOneLineError) {
  TempDir dir;
  LocalHttpServer server;
  std::filesystem::create_directories(dir.file("empty"));
  CliRun run = run_viva(dir, "eval vlm --manifest " + write_eval_set(dir) + " --pred " + dir.file("empty") +
                                 " --vlm-endpoint " + server.base_url() + " --vlm-model m");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("has a prediction"), std::string::npos) << run.err;
  run = run_viva(dir, "eval vlm --manifest " + dir.file("test.jsonl") + " --pred " + dir.file("pred") +
                          " --vlm-endpoint localhost:8000 --vlm-model m");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find("http://"), std::string::npos) << run.err;
}

TEST_F(VlmCli, RefineRewritesInstructionsIntoANewManifest) {
  TempDir dir;
  LocalHttpServer server({{200, chat_completion(R"({"instruction": "Turn the grey wall white."})")}});
  const std::string manifest = write_eval_set(dir);
  CliRun run = run_viva(dir, "data refine " + manifest + " --out " + dir.file("out/refined.jsonl") +
                                 " --vlm-endpoint " + server.base_url() + " --vlm-model m");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("nothing to do"), std::string::npos) << run.err;

  // Rows need both clips to be rewritten: give the manifest targets.
  Manifest m = read_manifest(manifest);
  for (auto& row : m.rows) row.target = dir.file("pred/a");
  write_manifest(manifest, m.rows);
  run = run_viva(dir, "data refine " + manifest + " --out " + dir.file("out/refined.jsonl") + " --vlm-endpoint " +
                          server.base_url() + " --vlm-model m --rewrite-instructions --frames 2");
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("3 of 3 rows written; 3 instructions rewritten"), std::string::npos) << run.out;
  const Manifest out = read_manifest(dir.file("out/refined.jsonl"));
  ASSERT_EQ(out.rows.size(), 3u);
  for (const auto& row : out.rows) EXPECT_EQ(row.instruction, "Turn the grey wall white.");
  EXPECT_EQ(out.rows[1].reference, dir.file("ref.png"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("out/refined.jsonl.refine.jsonl")));
}

TEST(VlmDoctor, ReportsTheVlmClient) {
  TempDir dir;
  const CliRun run = run_viva(dir, "doctor --matmul-size 64");
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string expected = http_backend_version().empty() ? "VLM client      NOT BUILT IN" : "VLM client      libcurl/";
  EXPECT_NE(run.out.find(expected), std::string::npos) << run.out;
}

}  // namespace
}  // namespace viva
