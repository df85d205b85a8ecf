#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "viva/core/config.h"
#include "viva/tokenizers/bpe_tokenizer.h"
#include "viva/tokenizers/clip_tokenizer.h"
#include "viva/tokenizers/unicode_text.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;
using testing::write_bytes;

const std::string kShared = VIVA_SHARED_DIR;

std::string shared_file(const std::string& relative) {
  const std::string path = kShared + "/" + relative;
  if (!std::filesystem::exists(path)) return "";
  return path;
}

// Loading the 128k-token vocabulary takes a moment; share one instance.
const BpeTokenizer& llama3() {
  static const BpeTokenizer t = BpeTokenizer::from_file(shared_file("tokenizers/llama3/tokenizer.json"));
  return t;
}
const ClipTokenizer& clip() {
  static const ClipTokenizer t = ClipTokenizer::from_file(shared_file("tokenizers/clip/bpe_simple_vocab_16e6.txt.gz"));
  return t;
}

TEST(BpeMerges, MergesLowestRankFirstLeftmostOnTies) {
  // Vocabulary a=0 b=1 c=2 ab=3 bc=4 abc=5; merges ranked: "b c" before "a b".
  BpeMerges merges;
  merges.add(1, 2, 4);
  merges.add(0, 1, 3);
  merges.add(0, 4, 5);
  std::vector<int> s{0, 1, 2};  // a b c -> a bc -> abc
  merges.apply(s);
  EXPECT_EQ(s, std::vector<int>{5});
  std::vector<int> t{0, 1, 0, 1};  // a b a b -> ab ab
  merges.apply(t);
  EXPECT_EQ(t, (std::vector<int>{3, 3}));
  BpeMerges same;
  same.add(0, 0, 9);
  std::vector<int> u{0, 0, 0};  // a a a -> (aa) a, leftmost first
  same.apply(u);
  EXPECT_EQ(u, (std::vector<int>{9, 0}));
}

TEST(Unicode, DecodesEncodesAndLowers) {
  const std::string text = "Zürich 🐱 ΑΒΓ";
  EXPECT_EQ(utf8_encode(utf8_decode(text)), text);
  EXPECT_EQ(utf8_lower("Zürich ΑΒΓ ÀÉ"), "zürich αβγ àé");
  EXPECT_EQ(utf8_decode(std::string("\xff" "a", 2)), (std::vector<char32_t>{0xFFFD, 'a'}));
  EXPECT_EQ(byte_to_unicode()[' '], static_cast<char32_t>(0x120));  // 'Ġ'
  EXPECT_EQ(unicode_to_byte(0x120), ' ');
}

TEST(Llama3Tokenizer, MatchesTheReferenceIds) {
  const std::string cases_path = shared_file("golden/tokenizers/llama3_ids.json");
  if (cases_path.empty() || shared_file("tokenizers/llama3/tokenizer.json").empty())
    VIVA_NEEDS_SHARED("golden tokenizer cases or tokenizer.json");
  const auto cases = load_json_file(cases_path).at("cases");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const std::string text = c.at("text");
    const std::vector<int> expected = c.at("ids");
    EXPECT_EQ(llama3().encode(text, c.at("add_special_tokens")), expected) << "text: " << text;
  }
}

TEST(Llama3Tokenizer, RoundTripsEdgeCases) {
  if (shared_file("tokenizers/llama3/tokenizer.json").empty()) VIVA_NEEDS_SHARED("tokenizer.json");
  const std::vector<std::string> texts = {
      "", " ", "   \n\n\t  ", "a", "Hello, world!", "🐱🐶🚗 👩‍👩‍👧 🇫🇷",
      "中文：把背景换成夜空中的烟花。", std::string(500, 'x') + " pneumonoultramicroscopicsilicovolcanoconiosis",
      "tabs\tand\r\nCRLF", "<|eot_id|> inline <|start_header_id|>x<|end_header_id|>", "1234567890 3.14159",
      std::string("\xc3\x28 invalid", 10)};
  for (const auto& text : texts) {
    const auto ids = llama3().encode(text);
    if (text.find('\xc3') != std::string::npos) continue;  // invalid UTF-8 round-trips as bytes only
    EXPECT_EQ(llama3().decode(ids), text) << text;
  }
  EXPECT_TRUE(llama3().encode("").empty());
  EXPECT_EQ(llama3().token_id("<|begin_of_text|>"), 128000);
  EXPECT_EQ(llama3().decode({128000, 9906}, true), "Hello");
  // Special tokens are atomic: the same text without them is split into ordinary tokens.
  EXPECT_EQ(llama3().encode("<|eot_id|>"), std::vector<int>{128009});
  EXPECT_GT(llama3().encode("<|eot_id").size(), 1u);
}

TEST(BpeTokenizer, RejectsWhatItDoesNotSupport) {
  TempDir dir;
  write_bytes(dir.file("t.json"), R"({"model":{"type":"Unigram","vocab":[]},"pre_tokenizer":null})");
  expect_error_containing([&] { BpeTokenizer::from_file(dir.file("t.json")); }, {"t.json", "'Unigram' is not supported"});
  write_bytes(dir.file("t.json"), "{");
  expect_error_containing([&] { BpeTokenizer::from_file(dir.file("t.json")); }, {"t.json", "invalid JSON"});
  expect_error_containing([&] { BpeTokenizer::from_file(dir.file("absent.json")); }, {"absent.json"});
}

TEST(BpeTokenizer, TemplateProcessingAddsBos) {
  // A tiny byte-level tokenizer whose post-processor adds <s> as Meta's Llama-3 tokenizer.json does.
  TempDir dir;
  nlohmann::json vocab = nlohmann::json::object();
  int id = 0;
  for (char32_t cp : byte_to_unicode()) {
    std::string s;
    utf8_append(s, cp);
    vocab[s] = id++;
  }
  vocab["hi"] = id++;
  nlohmann::json json = nlohmann::json::parse(R"({
      "normalizer": null,
      "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
      "post_processor": {"type": "TemplateProcessing",
                         "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                    {"Sequence": {"id": "A", "type_id": 0}}]}})");
  json["model"] = {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"h i"}}};
  json["added_tokens"] = nlohmann::json::array({{{"id", id}, {"content", "<s>"}, {"special", true}}});
  write_bytes(dir.file("t.json"), json.dump());
  const BpeTokenizer t = BpeTokenizer::from_file(dir.file("t.json"));
  EXPECT_EQ(t.encode("hi", true), (std::vector<int>{id, id - 1}));
  EXPECT_EQ(t.encode("hi", false), (std::vector<int>{id - 1}));
  EXPECT_EQ(t.decode(t.encode("hi hi!", true), true), "hi hi!");
}

TEST(ClipTokenizer, MatchesTheReferenceIds) {
  const std::string cases_path = shared_file("golden/tokenizers/clip_ids.json");
  if (cases_path.empty() || shared_file("tokenizers/clip/bpe_simple_vocab_16e6.txt.gz").empty())
    VIVA_NEEDS_SHARED("golden CLIP cases or vocabulary");
  const auto golden = load_json_file(cases_path);
  EXPECT_EQ(clip().start_id(), golden.at("sot").get<int>());
  EXPECT_EQ(clip().end_id(), golden.at("eot").get<int>());
  for (const auto& c : golden.at("cases")) {
    const std::string text = c.at("text");
    const std::vector<int> ids = c.at("ids");
    const std::vector<int64_t> row = c.at("with_start_end_77");
    EXPECT_EQ(clip().encode(text), ids) << "text: " << text;
    EXPECT_EQ(clip().encode_row(text), row) << "text: " << text;
  }
}

TEST(ClipTokenizer, EdgeCases) {
  if (shared_file("tokenizers/clip/bpe_simple_vocab_16e6.txt.gz").empty()) VIVA_NEEDS_SHARED("CLIP vocabulary");
  EXPECT_EQ(clip().vocab_size(), 49408);
  EXPECT_EQ(clip().decode(clip().encode("a photo of a cat")), "a photo of a cat");
  EXPECT_EQ(clip().encode("A  PHOTO\tof\u00a0a cat"), clip().encode("a photo of a cat"));
  EXPECT_EQ(clip().encode("Tom &amp; Jerry"), clip().encode("tom & jerry"));
  EXPECT_EQ(clip().encode("&#65;&#x42;"), clip().encode("ab"));
  // Truncation keeps the end token last; padding fills with the chosen id.
  const auto row = clip().encode_row(std::string(400, 'a') + " b c d", 77, 49407);
  EXPECT_EQ(row.size(), 77u);
  EXPECT_EQ(row.front(), 49406);
  EXPECT_EQ(row.back(), 49407);
  const auto empty = clip().encode_row("", 77, 49407);
  EXPECT_EQ(empty[1], 49407);
  EXPECT_EQ(empty[76], 49407);
  EXPECT_EQ(html_unescape_basic("&lt;b&gt; &unknown; & &#0;"), "<b> &unknown; & &#0;");
}

}  // namespace
}  // namespace viva
