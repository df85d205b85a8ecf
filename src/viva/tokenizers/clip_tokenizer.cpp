#include "viva/tokenizers/clip_tokenizer.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "viva/core/error.h"
#include "viva/tokenizers/unicode_text.h"

namespace viva {
namespace {

constexpr const char* kClipPattern =
    R"(<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+)";
// OpenAI keeps the first 49152 - 256 - 2 merges (after the header line).
constexpr int kMergeCount = 49152 - 256 - 2;

std::string read_maybe_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");  // reads plain files transparently too
  if (!file) throw file_error(path, "cannot open");
  std::string out;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
  const bool failed = n < 0;
  gzclose(file);
  if (failed) throw file_error(path, "cannot decompress");
  return out;
}

// Python's str.isspace() code points.
bool is_python_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

// re.sub(r'\s+', ' ', text).strip()
std::string whitespace_clean(const std::string& text) {
  std::string out;
  bool pending_space = false;
  for (char32_t cp : utf8_decode(text)) {
    if (is_python_space(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    utf8_append(out, cp);
  }
  return out;
}

}  // namespace

std::string html_unescape_basic(const std::string& text) {
  static const std::pair<const char*, const char*> named[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", "\xC2\xA0"}};
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '&') {
      const auto semi = text.find(';', i + 1);
      if (semi != std::string::npos && semi - i <= 10) {
        const std::string entity = text.substr(i + 1, semi - i - 1);
        bool done = false;
        for (const auto& [name, value] : named)
          if (entity == name) {
            out += value;
            done = true;
          }
        if (!done && entity.size() > 1 && entity[0] == '#') {
          try {
            const bool hex = entity[1] == 'x' || entity[1] == 'X';
            std::size_t used = 0;
            const unsigned long cp = std::stoul(entity.substr(hex ? 2 : 1), &used, hex ? 16 : 10);
            if (used == entity.size() - (hex ? 2 : 1) && cp > 0 && cp <= 0x10FFFF) {
              utf8_append(out, static_cast<char32_t>(cp));
              done = true;
            }
          } catch (const std::exception&) {
          }
        }
        if (done) {
          i = semi + 1;
          continue;
        }
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

ClipTokenizer::ClipTokenizer() : splitter_(kClipPattern, true, "clip tokenizer") {}

ClipTokenizer ClipTokenizer::from_file(const std::string& path) {
  ClipTokenizer t;
  t.path_ = path;
  std::istringstream lines(read_maybe_gzip(path));
  std::string line;
  std::getline(lines, line);  // header ("#version: 0.2")
  std::vector<std::pair<std::string, std::string>> merges;
  while (static_cast<int>(merges.size()) < kMergeCount && std::getline(lines, line)) {
    const auto space = line.find(' ');
    if (space == std::string::npos) throw file_error(path, "merge line '" + line + "' is not two tokens");
    merges.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  if (static_cast<int>(merges.size()) != kMergeCount)
    throw file_error(path, "has " + std::to_string(merges.size()) + " merges, expected " + std::to_string(kMergeCount));

  // Vocabulary order as OpenAI builds it: bytes, bytes + "</w>", merges, then the two specials.
  // OpenAI lists the byte symbols in bytes_to_unicode()'s insertion order: printable bytes
  // first, then the remapped ones, which is ascending code point order.
  std::vector<char32_t> symbols = byte_to_unicode();
  std::sort(symbols.begin(), symbols.end());
  std::vector<std::string> vocab;
  for (char32_t cp : symbols) {
    std::string s;
    utf8_append(s, cp);
    vocab.push_back(s);
  }
  for (std::size_t i = 0; i < 256; ++i) vocab.push_back(vocab[i] + "</w>");
  for (const auto& [l, r] : merges) vocab.push_back(l + r);
  vocab.push_back("<|startoftext|>");
  vocab.push_back("<|endoftext|>");
  t.id_to_token_ = vocab;
  for (std::size_t i = 0; i < vocab.size(); ++i) t.token_to_id_.emplace(vocab[i], static_cast<int>(i));
  for (const auto& [l, r] : merges) t.merges_.add(t.token_to_id_.at(l), t.token_to_id_.at(r), t.token_to_id_.at(l + r));
  t.start_id_ = t.token_to_id_.at("<|startoftext|>");
  t.end_id_ = t.token_to_id_.at("<|endoftext|>");
  return t;
}

std::vector<int> ClipTokenizer::encode(const std::string& text) const {
  const std::string cleaned = utf8_lower(whitespace_clean(html_unescape_basic(html_unescape_basic(text))));
  std::vector<int> ids;
  for (const auto& word : splitter_.find_all(cleaned)) {
    if (word == "<|startoftext|>" || word == "<|endoftext|>") {
      ids.push_back(token_to_id_.at(word));
      continue;
    }
    // Symbols: one byte-level character each, the last one carrying "</w>".
    const std::vector<char32_t> chars = utf8_decode(byte_level_encode(word));
    std::vector<int> symbols;
    for (std::size_t i = 0; i < chars.size(); ++i) {
      std::string s;
      utf8_append(s, chars[i]);
      if (i + 1 == chars.size()) s += "</w>";
      symbols.push_back(token_to_id_.at(s));
    }
    merges_.apply(symbols);
    ids.insert(ids.end(), symbols.begin(), symbols.end());
  }
  return ids;
}

std::vector<int64_t> ClipTokenizer::encode_row(const std::string& text, int context, int64_t pad_id) const {
  if (context < 2) throw Error("CLIP tokenizer", "context length must be at least 2");
  std::vector<int64_t> row{start_id_};
  for (int id : encode(text)) row.push_back(id);
  row.push_back(end_id_);
  if (static_cast<int>(row.size()) > context) {
    row.resize(static_cast<std::size_t>(context));
    row.back() = end_id_;
  }
  row.resize(static_cast<std::size_t>(context), pad_id);
  return row;
}

std::string ClipTokenizer::decode(const std::vector<int>& ids) const {
  std::string text;
  for (int id : ids) {
    if (id < 0 || id >= vocab_size()) throw Error(path_, "token id " + std::to_string(id) + " is out of range");
    text += id_to_token_[id];
  }
  std::string bytes;
  for (char32_t cp : utf8_decode(text)) {
    const int b = unicode_to_byte(cp);
    if (b >= 0) bytes.push_back(static_cast<char>(b));
    else utf8_append(bytes, cp);
  }
  // "</w>" marks a word end: a space.
  std::string out;
  for (std::size_t i = 0; i < bytes.size();) {
    if (bytes.compare(i, 4, "</w>") == 0) {
      out.push_back(' ');
      i += 4;
    } else {
      out.push_back(bytes[i++]);
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string find_clip_merges(const std::string& folder) {
  for (const char* sub : {"", "tokenizer"})
    for (const char* name : {"merges.txt", "bpe_simple_vocab_16e6.txt.gz"}) {
      const std::filesystem::path p = std::filesystem::path(folder) / sub / name;
      if (std::filesystem::is_regular_file(p)) return p.string();
    }
  return "";
}

}  // namespace viva
