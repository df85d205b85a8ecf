#pragma once
// Byte-level BPE read from a Hugging Face tokenizer.json (Llama-3, GPT-2 family): added/special
// tokens matched first on the raw text, then the Split-regex + ByteLevel pre-tokenizer, then
// BPE merges (with `ignore_merges`: a piece already in the vocabulary is one token), then the
// post-processor (ByteLevel adds nothing; TemplateProcessing may add BOS).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "viva/tokenizers/bpe_merges.h"
#include "viva/tokenizers/regex_splitter.h"

namespace viva {

class BpeTokenizer {
 public:
  // Throws viva::Error naming the file for anything this implementation does not support.
  static BpeTokenizer from_file(const std::string& tokenizer_json);

  std::vector<int> encode(const std::string& text, bool add_special_tokens = false) const;
  // Special (added) tokens decode to their text unless skipped.
  std::string decode(const std::vector<int>& ids, bool skip_special_tokens = false) const;

  std::optional<int> find_token(const std::string& token) const;
  int token_id(const std::string& token) const;  // throws when absent
  int vocab_size() const { return static_cast<int>(id_to_token_.size()); }

 private:
  struct AddedToken {
    std::string content;
    int id;
    bool special;
  };

  void encode_ordinary(const std::string& text, std::vector<int>& out) const;
  void encode_piece(const std::string& piece, std::vector<int>& out) const;

  std::string path_;
  std::unordered_map<std::string, int> token_to_id_;
  std::vector<std::string> id_to_token_;
  std::vector<bool> is_special_;
  BpeMerges merges_;
  bool ignore_merges_ = false;
  std::unique_ptr<RegexSplitter> splitter_;  // absent: the whole text is one piece
  std::vector<AddedToken> added_;            // longest first, for leftmost-longest matching
  std::vector<int> prefix_ids_, suffix_ids_; // TemplateProcessing "single" special tokens
};

}  // namespace viva
