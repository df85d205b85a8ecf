// Strict reading of VLM answers and the base64 used to send images.
#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "viva/vlm/base64.h"
#include "viva/vlm/vlm_client.h"
#include "viva/vlm/vlm_json.h"

namespace viva {
namespace {

using testing::expect_error_containing;

const std::vector<ReplyField> kSchema = {{"score", ReplyFieldType::Score},
                                         {"ok", ReplyFieldType::Boolean},
                                         {"reason", ReplyFieldType::Text}};

void expect_rejected(const std::string& content, const std::string& fragment) {
  expect_error_containing([&] { validate_reply(parse_reply_object(content), kSchema); }, {fragment});
  EXPECT_THROW(validate_reply(parse_reply_object(content), kSchema), VlmReplyError) << content;
}

TEST(VlmBase64, MatchesRfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
  }
}

TEST(VlmBase64, RoundTripsEveryByteAndRejectsGarbage) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t n = 0; n < 8; ++n) EXPECT_EQ(base64_decode(base64_encode(bytes.substr(n))), bytes.substr(n));
  EXPECT_THROW(base64_decode("Zm9"), Error);
  EXPECT_THROW(base64_decode("Zm9*"), Error);
  EXPECT_THROW(base64_decode("Z=9v"), Error);
  EXPECT_THROW(base64_decode("Zg==Zg=="), Error);
}

TEST(VlmJson, AcceptsTheObjectBareOrInAJsonFence) {
  const std::string object = R"({"score": 7, "ok": true, "reason": "fine"})";
  for (const std::string& content : {object, "  \n" + object + "\n ", "```json\n" + object + "\n```", "```\n" + object + "\n```\n"}) {
    const nlohmann::json j = parse_reply_object(content);
    validate_reply(j, kSchema);
    EXPECT_EQ(j["score"].get<double>(), 7.0) << content;
  }
  validate_reply(parse_reply_object(R"({"score": 0, "ok": false, "reason": ""})"), kSchema);
  validate_reply(parse_reply_object(R"({"score": 10.0, "ok": false, "reason": ""})"), kSchema);
  validate_reply(parse_reply_object(R"({"score": 6.5, "ok": false, "reason": ""})"), kSchema);
}

TEST(VlmJson, RejectsTextAroundTheObject) {
  expect_rejected(R"(Sure! {"score": 7, "ok": true, "reason": "x"})", "not a single JSON object");
  expect_rejected(R"({"score": 7, "ok": true, "reason": "x"} Hope this helps.)", "not a single JSON object");
  expect_rejected(R"({"score": 7, "ok": true, "reason": "x"}{"score": 1})", "not a single JSON object");
  expect_rejected("Here you go:\n```json\n{\"score\": 7, \"ok\": true, \"reason\": \"x\"}\n```", "not a single JSON object");
  expect_rejected("```python\n{\"score\": 7, \"ok\": true, \"reason\": \"x\"}\n```", "fenced as 'python'");
  expect_rejected("```json\n{\"score\": 7, \"ok\": true, \"reason\": \"x\"}\n", "does not end");
  expect_rejected("```json\n{\"score\": 7}\n```\n```json\n{}\n```", "more than one");
  expect_rejected("", "empty");
  expect_rejected("[1, 2]", "not an object");
  expect_rejected(R"({"score": 7, "ok": true, "reason": "x",})", "not a single JSON object");  // trailing comma
  expect_rejected(R"({"score": 7, /* c */ "ok": true, "reason": "x"})", "not a single JSON object");
}

TEST(VlmJson, RejectsMissingMistypedOutOfRangeAndExtraKeys) {
  expect_rejected(R"({"ok": true, "reason": "x"})", "lacks the key 'score'");
  expect_rejected(R"({"score": "7", "ok": true, "reason": "x"})", "'score' must be a number from 0 to 10");
  expect_rejected(R"({"score": true, "ok": true, "reason": "x"})", "'score' must be a number");
  expect_rejected(R"({"score": 11, "ok": true, "reason": "x"})", "outside 0..10");
  expect_rejected(R"({"score": -1, "ok": true, "reason": "x"})", "outside 0..10");
  expect_rejected(R"({"score": 10.5, "ok": true, "reason": "x"})", "outside 0..10");
  expect_rejected(R"({"score": 5, "ok": "yes", "reason": "x"})", "'ok' must be true or false");
  expect_rejected(R"({"score": 5, "ok": 1, "reason": "x"})", "'ok' must be true or false");
  expect_rejected(R"({"score": 5, "ok": true, "reason": null})", "'reason' must be a string");
  expect_rejected(R"({"score": 5, "ok": true, "reason": "x", "note": "y"})", "unexpected key 'note'");
  expect_error_containing(
      [] { validate_reply(parse_reply_object(R"({"instruction": "  "})"), {{"instruction", ReplyFieldType::NonEmptyText}}); },
      {"'instruction' is empty"});
}

TEST(VlmJson, DescribesTheSchemaItChecks) {
  EXPECT_EQ(describe_reply(kSchema), R"({"score": <integer 0-10>, "ok": <true or false>, "reason": "<text>"})");
}

TEST(VlmChatUrl, AcceptsBaseUrlsWithOrWithoutVersionAndFullUrls) {
  EXPECT_EQ(chat_completions_url("http://127.0.0.1:8000"), "http://127.0.0.1:8000/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("http://127.0.0.1:8000/"), "http://127.0.0.1:8000/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("http://127.0.0.1:8000/v1"), "http://127.0.0.1:8000/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("https://api.openai.com/v1/"), "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("https://generativelanguage.googleapis.com/v1beta/openai/"),
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions");
  EXPECT_EQ(chat_completions_url("http://h/v1/chat/completions"), "http://h/v1/chat/completions");
  expect_error_containing([] { chat_completions_url("127.0.0.1:8000/v1"); }, {"127.0.0.1:8000/v1", "http://"});
  expect_error_containing([] { chat_completions_url("ftp://h/v1"); }, {"http://"});
  expect_error_containing([] { chat_completions_url("http:///v1"); }, {"no host"});
}

TEST(VlmChatUrl, ReadsTheAssistantTextOfAResponse) {
  EXPECT_EQ(chat_reply_content(R"({"choices": [{"message": {"role": "assistant", "content": "hi"}}]})"), "hi");
  EXPECT_EQ(chat_reply_content(
                R"({"choices": [{"message": {"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}}]})"),
            "ab");
  expect_error_containing([] { chat_reply_content("<html>bad gateway</html>"); }, {"not JSON", "bad gateway"});
  expect_error_containing([] { chat_reply_content(R"({"choices": []})"); }, {"no choices"});
  expect_error_containing([] { chat_reply_content(R"({"error": {"message": "overloaded"}})"); }, {"overloaded"});
  expect_error_containing([] { chat_reply_content(R"({"choices": [{"message": {"content": null, "refusal": "no"}}]})"); },
                          {"refused"});
}

}  // namespace
}  // namespace viva
