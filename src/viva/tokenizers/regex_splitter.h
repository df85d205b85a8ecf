#pragma once
// The pre-tokenizer regexes of GPT-2-style tokenizers use Unicode classes (\p{L}, \p{N}) and
// lookahead, which std::regex lacks; PCRE2 in UTF + UCP mode runs them as written.
#include <memory>
#include <string>
#include <vector>

namespace viva {

class RegexSplitter {
 public:
  // Throws viva::Error naming `source` when the pattern does not compile.
  RegexSplitter(const std::string& pattern, bool caseless, const std::string& source);
  ~RegexSplitter();
  RegexSplitter(RegexSplitter&&) noexcept;
  RegexSplitter& operator=(RegexSplitter&&) noexcept;

  // Splits `text` into the matches and the gaps between them, in order ("Isolated" behaviour
  // of Hugging Face's Split pre-tokenizer). Empty pieces are dropped.
  std::vector<std::string> split(const std::string& text) const;
  // Only the matches (OpenAI's re.findall), gaps dropped.
  std::vector<std::string> find_all(const std::string& text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::string> run(const std::string& text, bool keep_gaps) const;
};

}  // namespace viva
