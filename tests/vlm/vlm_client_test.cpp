// The VLM client against a local HTTP server that gives canned, malformed, slow and failing
// answers (tests/support/local_http_server.h).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "../support/local_http_server.h"
#include "../support/temp_dir.h"
#include "viva/vlm/base64.h"
#include "viva/vlm/http_post.h"
#include "viva/vlm/vlm_client.h"
#include "viva/vlm/vlm_judge.h"

namespace viva {
namespace {

using testing::chat_completion;
using testing::expect_error_containing;
using testing::LocalHttpServer;
using testing::ScriptedResponse;

const char* kKeyEnv = "VIVA_TEST_VLM_API_KEY";
const char* kKey = "sk-test-key-0123456789";

const std::string kValidScores =
    R"({"instruction_following": 8, "source_preservation": 7, "edit_quality": 6, "reason": "the cat is there"})";

class VlmClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (http_backend_version().empty()) GTEST_SKIP() << "viva was built without libcurl";
    // Requests to 127.0.0.1 must not go through a proxy configured for the machine.
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    unsetenv(kKeyEnv);
  }
  void TearDown() override { unsetenv(kKeyEnv); }

  VlmClientOptions options(const LocalHttpServer& server) const {
    return VlmClientOptions()
        .set_endpoint(server.base_url())
        .set_model("test-vlm")
        .set_api_key_env(kKeyEnv)
        .set_timeout(2.0)
        .set_max_retries(2)
        .set_initial_backoff(0.05);
  }
};

Image solid(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  Image image(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = image.at(x, y);
      p[0] = static_cast<uint8_t>(r + x);
      p[1] = static_cast<uint8_t>(g + y);
      p[2] = b;
    }
  return image;
}

JudgeInput judge_input(bool with_reference) {
  JudgeInput in;
  in.instruction = "Replace the dog with a cat.";
  in.source_frames = {solid(16, 12, 10, 20, 30), solid(16, 12, 40, 50, 60)};
  in.edited_frames = {solid(16, 12, 70, 80, 90), solid(16, 12, 100, 110, 120)};
  if (with_reference) in.reference = solid(8, 8, 200, 100, 0);
  return in;
}

TEST_F(VlmClientTest, CannedAnswerGivesItsScores) {
  LocalHttpServer server({{200, chat_completion(kValidScores)}});
  const JudgeResult r = judge_edit(VlmClient(options(server)), judge_input(false));
  EXPECT_EQ(r.scores.instruction_following, 8.0);
  EXPECT_EQ(r.scores.source_preservation, 7.0);
  EXPECT_EQ(r.scores.edit_quality, 6.0);
  EXPECT_FALSE(r.scores.subject_similarity.has_value());
  EXPECT_DOUBLE_EQ(r.scores.overall(), 7.0);
  EXPECT_EQ(r.scores.reason, "the cat is there");
  EXPECT_EQ(r.attempts, 1);
  ASSERT_EQ(server.requests().size(), 1u);
}

TEST_F(VlmClientTest, RequestCarriesModelImagesAndKeyFromTheEnvironment) {
  setenv(kKeyEnv, kKey, 1);
  LocalHttpServer server({{200, chat_completion(R"({"instruction_following": 9, "source_preservation": 9, )"
                                                R"("edit_quality": 9, "subject_similarity": 4, "reason": "r"})")}});
  const JudgeInput input = judge_input(true);
  const JudgeResult r = judge_edit(VlmClient(options(server)), input);
  ASSERT_TRUE(r.scores.subject_similarity.has_value());
  EXPECT_EQ(*r.scores.subject_similarity, 4.0);
  EXPECT_DOUBLE_EQ(r.scores.overall(), 31.0 / 4.0);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& q = requests[0];
  EXPECT_EQ(q.method, "POST");
  EXPECT_EQ(q.path, "/v1/chat/completions");
  EXPECT_EQ(q.headers.at("authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(q.headers.at("content-type"), "application/json");
  const nlohmann::json body = nlohmann::json::parse(q.body);
  EXPECT_EQ(body["model"], "test-vlm");
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_FALSE(body.contains("response_format"));
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][1]["role"], "user");
  // Images come back exactly as sent, in order: source frames, edited frames, reference.
  std::vector<Image> sent = input.source_frames;
  sent.insert(sent.end(), input.edited_frames.begin(), input.edited_frames.end());
  sent.push_back(*input.reference);
  std::vector<Image> received;
  std::string text;
  for (const auto& part : body["messages"][1]["content"]) {
    if (part["type"] == "text") {
      text += part["text"].get<std::string>() + "\n";
      continue;
    }
    ASSERT_EQ(part["type"], "image_url");
    const std::string url = part["image_url"]["url"];
    const std::string prefix = "data:image/png;base64,";
    ASSERT_EQ(url.rfind(prefix, 0), 0u) << url.substr(0, 40);
    const std::string png = base64_decode(url.substr(prefix.size()));
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    received.push_back(decode_image(png, "image part"));
  }
  ASSERT_EQ(received.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(received[i].width, sent[i].width);
    EXPECT_EQ(received[i].height, sent[i].height);
    EXPECT_EQ(received[i].rgb, sent[i].rgb) << "image " << i;
  }
  EXPECT_NE(text.find(input.instruction), std::string::npos);
  EXPECT_NE(text.find("subject_similarity"), std::string::npos);
  EXPECT_EQ(q.body.find(kKey), std::string::npos);
}

TEST_F(VlmClientTest, NoKeyInTheEnvironmentSendsNoAuthorization) {
  LocalHttpServer server({{200, chat_completion(kValidScores)}});
  const VlmClient client(options(server));
  EXPECT_FALSE(client.has_api_key());
  judge_edit(client, judge_input(false));
  EXPECT_EQ(server.requests().at(0).headers.count("authorization"), 0u);
}

TEST_F(VlmClientTest, KeyNeverAppearsInErrors) {
  setenv(kKeyEnv, kKey, 1);
  // A server that echoes the Authorization header back in its error must not leak it either.
  LocalHttpServer server({{401, std::string(R"({"error": {"message": "bad key Bearer )") + kKey + "\"}}"}});
  try {
    judge_edit(VlmClient(options(server)), judge_input(false));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("HTTP 401"), std::string::npos) << message;
    EXPECT_EQ(message.find(kKey), std::string::npos) << message;
  }
}

TEST_F(VlmClientTest, UnauthorizedWithoutAKeySaysWhichVariableToSet) {
  LocalHttpServer server({{401, R"({"error": {"message": "missing key"}})"}});
  expect_error_containing([&] { judge_edit(VlmClient(options(server)), judge_input(false)); },
                          {"HTTP 401", "missing key", kKeyEnv});
}

TEST_F(VlmClientTest, MalformedAnswerIsRetriedThenAccepted) {
  LocalHttpServer server({{200, chat_completion("Sure! Here are the scores: " + kValidScores)},
                          {200, chat_completion("```json\n" + kValidScores + "\n```")}});
  const JudgeResult r = judge_edit(VlmClient(options(server)), judge_input(false));
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.scores.instruction_following, 8.0);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(VlmClientTest, AlwaysMalformedFailsWithTheReason) {
  LocalHttpServer server({{200, chat_completion("I cannot rate videos.")}});
  expect_error_containing([&] { judge_edit(VlmClient(options(server)), judge_input(false)); },
                          {"test-vlm", server.base_url(), "failed after 3 attempts", "not a single JSON object",
                           "I cannot rate videos."});
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(VlmClientTest, OutOfRangeScoreIsRejected) {
  LocalHttpServer server({{200, chat_completion(R"({"instruction_following": 8, "source_preservation": 7, )"
                                                R"("edit_quality": 11, "reason": "x"})")}});
  expect_error_containing(
      [&] { judge_edit(VlmClient(options(server).set_max_retries(0)), judge_input(false)); },
      {"failed after 1 attempt;", "'edit_quality' is 11, outside 0..10"});
}

TEST_F(VlmClientTest, MissingSimilarityWithAReferenceIsRejected) {
  LocalHttpServer server({{200, chat_completion(kValidScores)}});
  expect_error_containing([&] { judge_edit(VlmClient(options(server).set_max_retries(0)), judge_input(true)); },
                          {"lacks the key 'subject_similarity'"});
}

TEST_F(VlmClientTest, SlowAnswerTimesOut) {
  LocalHttpServer server({{200, chat_completion(kValidScores), 5.0}});
  const auto start = std::chrono::steady_clock::now();
  expect_error_containing([&] { judge_edit(VlmClient(options(server).set_timeout(1.0).set_max_retries(0)), judge_input(false)); },
                          {"no answer from", "within 1 s"});
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(elapsed, 0.9);
  EXPECT_LT(elapsed, 3.0);
}

TEST_F(VlmClientTest, SlowAnswerIsRetriedAndTheNextOneCounts) {
  LocalHttpServer server({{200, chat_completion(kValidScores), 3.0}, {200, chat_completion(kValidScores)}});
  const JudgeResult r = judge_edit(VlmClient(options(server).set_timeout(1.0)), judge_input(false));
  EXPECT_EQ(r.attempts, 2);
}

TEST_F(VlmClientTest, ServerErrorsAreRetriedWithDoublingBackoff) {
  LocalHttpServer server({{500, "{\"error\": {\"message\": \"boom\"}}"},
                          {503, "overloaded"},
                          {200, chat_completion(kValidScores)}});
  const JudgeResult r = judge_edit(VlmClient(options(server).set_initial_backoff(0.2)), judge_input(false));
  EXPECT_EQ(r.attempts, 3);
  const auto q = server.requests();
  ASSERT_EQ(q.size(), 3u);
  EXPECT_GE(q[1].arrival_s - q[0].arrival_s, 0.2);
  EXPECT_GE(q[2].arrival_s - q[1].arrival_s, 0.4);
}

TEST_F(VlmClientTest, RateLimitHonoursRetryAfter) {
  LocalHttpServer server({{429, "{}", 0.0, {{"Retry-After", "0.5"}}}, {200, chat_completion(kValidScores)}});
  judge_edit(VlmClient(options(server).set_initial_backoff(0.01)), judge_input(false));
  const auto q = server.requests();
  ASSERT_EQ(q.size(), 2u);
  EXPECT_GE(q[1].arrival_s - q[0].arrival_s, 0.5);
}

TEST_F(VlmClientTest, ServerErrorsUntilTheLimitFailWithTheStatus) {
  LocalHttpServer server({{502, "bad gateway"}});
  expect_error_containing([&] { judge_edit(VlmClient(options(server).set_initial_backoff(0.01)), judge_input(false)); },
                          {"failed after 3 attempts", "HTTP 502", "bad gateway"});
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(VlmClientTest, BadRequestIsNotRetried) {
  LocalHttpServer server({{400, R"({"error": {"message": "model 'test-vlm' does not take images"}})"},
                          {200, chat_completion(kValidScores)}});
  expect_error_containing([&] { judge_edit(VlmClient(options(server)), judge_input(false)); },
                          {"asking test-vlm at " + server.base_url() + "/chat/completions", "HTTP 400",
                           "does not take images"});
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(VlmClientTest, DroppedConnectionIsRetried) {
  ScriptedResponse drop;
  drop.drop = true;
  LocalHttpServer server({drop, {200, chat_completion(kValidScores)}});
  EXPECT_EQ(judge_edit(VlmClient(options(server)), judge_input(false)).attempts, 2);
}

TEST_F(VlmClientTest, ConnectionRefusedIsAClearError) {
  const int port = testing::closed_port();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  const auto start = std::chrono::steady_clock::now();
  expect_error_containing(
      [&] {
        judge_edit(VlmClient(VlmClientOptions().set_endpoint(endpoint).set_model("m").set_max_retries(1).set_initial_backoff(0.01)),
                   judge_input(false));
      },
      {"asking m at " + endpoint + "/chat/completions", "failed after 2 attempts", "cannot reach"});
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
}

TEST_F(VlmClientTest, JsonModeAsksForJsonOutput) {
  LocalHttpServer server({{200, chat_completion(kValidScores)}});
  judge_edit(VlmClient(options(server).set_json_mode(true).set_max_tokens(77)), judge_input(false));
  const nlohmann::json body = nlohmann::json::parse(server.requests().at(0).body);
  EXPECT_EQ(body["response_format"]["type"], "json_object");
  EXPECT_EQ(body["max_tokens"], 77);
}

TEST(VlmClientOptionsCheck, WithoutLibcurlTheClientSaysSo) {
  if (!http_backend_version().empty()) GTEST_SKIP() << "viva was built with libcurl";
  expect_error_containing([] { VlmClient(VlmClientOptions().set_endpoint("http://127.0.0.1:9/v1").set_model("m")); },
                          {"built without libcurl", "127.0.0.1:9"});
}

TEST(VlmClientOptionsCheck, BadOptionsAreErrors) {
  expect_error_containing([] { VlmClient(VlmClientOptions().set_endpoint("http://h/v1")); }, {"--vlm-model"});
  expect_error_containing([] { VlmClient(VlmClientOptions().set_model("m")); }, {"--vlm-endpoint"});
  expect_error_containing([] { VlmClient(VlmClientOptions().set_model("m").set_endpoint("localhost:1")); },
                          {"localhost:1", "http://"});
}

}  // namespace
}  // namespace viva
