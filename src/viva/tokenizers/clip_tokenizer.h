#pragma once
// CLIP's BPE tokenizer (OpenAI's simple_tokenizer): text cleaning (HTML unescape, whitespace
// collapse, lower-casing), its regex, byte-level symbols with "</w>" marking word ends, BPE
// over bpe_simple_vocab_16e6.txt.gz, and the 77-token rows with start/end tokens.
//
// Not reproduced: ftfy.fix_text (mojibake repair) and HTML entities beyond the common ones
// (&amp; &lt; &gt; &quot; &apos; &nbsp; and numeric &#..;).
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "viva/tokenizers/bpe_merges.h"
#include "viva/tokenizers/regex_splitter.h"

namespace viva {

class ClipTokenizer {
 public:
  // Reads OpenAI's merges file (gzip or plain text).
  static ClipTokenizer from_file(const std::string& merges_path);

  // BPE ids of the cleaned text, without start/end tokens.
  std::vector<int> encode(const std::string& text) const;
  // [start, ids..., end] truncated to `context` (the end token kept) and padded with `pad_id`
  // (0 as OpenAI's clip.tokenize; Hugging Face's CLIPTokenizer pads with the end token).
  std::vector<int64_t> encode_row(const std::string& text, int context = 77, int64_t pad_id = 0) const;
  std::string decode(const std::vector<int>& ids) const;

  int start_id() const { return start_id_; }
  int end_id() const { return end_id_; }
  int vocab_size() const { return static_cast<int>(id_to_token_.size()); }

 private:
  ClipTokenizer();
  std::string path_;
  std::unordered_map<std::string, int> token_to_id_;
  std::vector<std::string> id_to_token_;
  BpeMerges merges_;
  RegexSplitter splitter_;
  int start_id_ = 0;
  int end_id_ = 0;
};

// Python's html.unescape for the common entities (see the note above).
std::string html_unescape_basic(const std::string& text);

// The merges file of a CLIP folder: merges.txt (Hugging Face) or bpe_simple_vocab_16e6.txt.gz
// (OpenAI), in the folder or its tokenizer/; "" when it holds none.
std::string find_clip_merges(const std::string& folder);

}  // namespace viva
