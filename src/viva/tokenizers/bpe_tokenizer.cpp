#include "viva/tokenizers/bpe_tokenizer.h"

#include <algorithm>

#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/tokenizers/unicode_text.h"

namespace viva {
namespace {

// GPT-2's pre-tokenizer pattern, used by a ByteLevel pre-tokenizer with use_regex = true.
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::string json_type(const nlohmann::json& j) { return j.is_object() && j.contains("type") ? j["type"].get<std::string>() : ""; }

}  // namespace

BpeTokenizer BpeTokenizer::from_file(const std::string& path) {
  const nlohmann::json json = load_json_file(path);
  BpeTokenizer t;
  t.path_ = path;
  try {
    const auto& model = json.at("model");
    if (json_type(model) != "BPE") throw Error(path, "model type '" + json_type(model) + "' is not supported (BPE only)");
    if (json.contains("normalizer") && !json["normalizer"].is_null())
      throw Error(path, "normalizer '" + json_type(json["normalizer"]) + "' is not supported");
    t.ignore_merges_ = model.value("ignore_merges", false);

    const auto& vocab = model.at("vocab");
    int max_id = -1;
    for (const auto& [token, id] : vocab.items()) max_id = std::max(max_id, id.get<int>());
    for (const auto& added : json.value("added_tokens", nlohmann::json::array())) max_id = std::max(max_id, added.at("id").get<int>());
    t.id_to_token_.assign(static_cast<std::size_t>(max_id + 1), "");
    t.is_special_.assign(static_cast<std::size_t>(max_id + 1), false);
    for (const auto& [token, id] : vocab.items()) {
      t.token_to_id_[token] = id.get<int>();
      t.id_to_token_[id.get<int>()] = token;
    }
    for (const auto& added : json.value("added_tokens", nlohmann::json::array())) {
      AddedToken a{added.at("content").get<std::string>(), added.at("id").get<int>(), added.value("special", false)};
      if (added.value("lstrip", false) || added.value("rstrip", false) || added.value("single_word", false))
        throw Error(path, "added token '" + a.content + "' uses lstrip/rstrip/single_word, which is not supported");
      t.token_to_id_[a.content] = a.id;
      t.id_to_token_[a.id] = a.content;
      t.is_special_[a.id] = a.special;
      t.added_.push_back(a);
    }
    std::stable_sort(t.added_.begin(), t.added_.end(),
                     [](const AddedToken& a, const AddedToken& b) { return a.content.size() > b.content.size(); });

    for (const auto& merge : model.at("merges")) {
      std::string left, right;
      if (merge.is_string()) {
        const std::string text = merge.get<std::string>();
        const auto space = text.find(' ', 1);
        if (space == std::string::npos) throw Error(path, "merge '" + text + "' is not two tokens");
        left = text.substr(0, space);
        right = text.substr(space + 1);
      } else {
        left = merge.at(0).get<std::string>();
        right = merge.at(1).get<std::string>();
      }
      auto l = t.token_to_id_.find(left), r = t.token_to_id_.find(right), m = t.token_to_id_.find(left + right);
      if (l == t.token_to_id_.end() || r == t.token_to_id_.end() || m == t.token_to_id_.end())
        throw Error(path, "merge '" + left + " " + right + "' uses a token missing from the vocabulary");
      t.merges_.add(l->second, r->second, m->second);
    }

    // Pre-tokenizer: Split(regex, Isolated) then ByteLevel(use_regex=false), or ByteLevel alone.
    const nlohmann::json& pre = json.at("pre_tokenizer");
    std::vector<nlohmann::json> steps;
    if (json_type(pre) == "Sequence") {
      for (const auto& s : pre.at("pretokenizers")) steps.push_back(s);
    } else {
      steps.push_back(pre);
    }
    bool byte_level = false;
    for (const auto& step : steps) {
      const std::string type = json_type(step);
      if (type == "Split") {
        if (step.value("behavior", "") != "Isolated" || step.value("invert", false) || !step.at("pattern").contains("Regex"))
          throw Error(path, "only Split pre-tokenizers with a Regex pattern, Isolated behaviour, not inverted, are supported");
        t.splitter_ = std::make_unique<RegexSplitter>(step["pattern"]["Regex"].get<std::string>(), false, path);
      } else if (type == "ByteLevel") {
        if (step.value("add_prefix_space", false)) throw Error(path, "ByteLevel add_prefix_space is not supported");
        if (step.value("use_regex", true)) t.splitter_ = std::make_unique<RegexSplitter>(kGpt2Pattern, false, path);
        byte_level = true;
      } else {
        throw Error(path, "pre-tokenizer '" + type + "' is not supported");
      }
    }
    if (!byte_level) throw Error(path, "only byte-level BPE is supported (no ByteLevel pre-tokenizer found)");

    // Post-processor: ByteLevel adds no tokens; TemplateProcessing's "single" template may.
    const auto& post = json.value("post_processor", nlohmann::json());
    std::vector<nlohmann::json> posts;
    if (json_type(post) == "Sequence") {
      for (const auto& p : post.at("processors")) posts.push_back(p);
    } else if (!post.is_null()) {
      posts.push_back(post);
    }
    for (const auto& p : posts) {
      const std::string type = json_type(p);
      if (type == "ByteLevel") continue;
      if (type != "TemplateProcessing") throw Error(path, "post-processor '" + type + "' is not supported");
      bool before_sequence = true;
      for (const auto& item : p.at("single")) {
        if (item.contains("Sequence")) {
          before_sequence = false;
          continue;
        }
        const int id = t.token_id(item.at("SpecialToken").at("id").get<std::string>());
        (before_sequence ? t.prefix_ids_ : t.suffix_ids_).push_back(id);
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(path, std::string("unexpected tokenizer.json structure: ") + e.what());
  }
  return t;
}

std::optional<int> BpeTokenizer::find_token(const std::string& token) const {
  auto it = token_to_id_.find(token);
  if (it == token_to_id_.end()) return std::nullopt;
  return it->second;
}

int BpeTokenizer::token_id(const std::string& token) const {
  auto id = find_token(token);
  if (!id) throw Error(path_, "has no token '" + token + "'");
  return *id;
}

std::vector<int> BpeTokenizer::encode(const std::string& text, bool add_special_tokens) const {
  std::vector<int> ids;
  if (add_special_tokens) ids = prefix_ids_;
  // Added tokens are found on the raw text first (leftmost, then longest).
  std::size_t start = 0, i = 0;
  while (i < text.size()) {
    const AddedToken* found = nullptr;
    for (const auto& a : added_)
      if (text.compare(i, a.content.size(), a.content) == 0) {
        found = &a;
        break;
      }
    if (!found) {
      ++i;
      continue;
    }
    encode_ordinary(text.substr(start, i - start), ids);
    ids.push_back(found->id);
    i += found->content.size();
    start = i;
  }
  encode_ordinary(text.substr(start), ids);
  if (add_special_tokens) ids.insert(ids.end(), suffix_ids_.begin(), suffix_ids_.end());
  return ids;
}

void BpeTokenizer::encode_ordinary(const std::string& text, std::vector<int>& out) const {
  if (text.empty()) return;
  if (!splitter_) {
    encode_piece(text, out);
    return;
  }
  for (const auto& piece : splitter_->split(text)) encode_piece(piece, out);
}

void BpeTokenizer::encode_piece(const std::string& piece, std::vector<int>& out) const {
  const std::string mapped = byte_level_encode(piece);
  if (ignore_merges_) {
    auto it = token_to_id_.find(mapped);
    if (it != token_to_id_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  std::vector<int> symbols;
  std::string one;
  for (char32_t cp : utf8_decode(mapped)) {
    one.clear();
    utf8_append(one, cp);
    auto it = token_to_id_.find(one);
    if (it == token_to_id_.end()) throw Error(path_, "vocabulary lacks the byte-level symbol '" + one + "'");
    symbols.push_back(it->second);
  }
  merges_.apply(symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());
}

std::string BpeTokenizer::decode(const std::vector<int>& ids, bool skip_special_tokens) const {
  std::string out, pending;  // pending: byte-level text not yet mapped back to bytes
  auto flush = [&] {
    for (char32_t cp : utf8_decode(pending)) {
      const int b = unicode_to_byte(cp);
      if (b >= 0) out.push_back(static_cast<char>(b));
      else utf8_append(out, cp);
    }
    pending.clear();
  };
  for (int id : ids) {
    if (id < 0 || id >= vocab_size() || id_to_token_[id].empty()) throw Error(path_, "token id " + std::to_string(id) + " is out of range");
    if (is_special_[id]) {
      flush();
      if (!skip_special_tokens) out += id_to_token_[id];
      continue;
    }
    pending += id_to_token_[id];
  }
  flush();
  return out;
}

}  // namespace viva
