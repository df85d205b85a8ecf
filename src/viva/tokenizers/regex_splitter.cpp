#include "viva/tokenizers/regex_splitter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "viva/core/error.h"

namespace viva {

struct RegexSplitter::Impl {
  pcre2_code* code = nullptr;
  ~Impl() { pcre2_code_free(code); }
};

RegexSplitter::RegexSplitter(const std::string& pattern, bool caseless, const std::string& source)
    : impl_(std::make_unique<Impl>()) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
  if (caseless) options |= PCRE2_CASELESS;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(), options, &error, &offset,
                              nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw Error(source, "pre-tokenizer regex does not compile at offset " + std::to_string(offset) + ": " +
                            reinterpret_cast<const char*>(message));
  }
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);  // best effort: falls back to the interpreter
}

RegexSplitter::~RegexSplitter() = default;
RegexSplitter::RegexSplitter(RegexSplitter&&) noexcept = default;
RegexSplitter& RegexSplitter::operator=(RegexSplitter&&) noexcept = default;

std::vector<std::string> RegexSplitter::split(const std::string& text) const { return run(text, true); }
std::vector<std::string> RegexSplitter::find_all(const std::string& text) const { return run(text, false); }

std::vector<std::string> RegexSplitter::run(const std::string& text, bool keep_gaps) const {
  std::vector<std::string> pieces;
  pcre2_match_data* match = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  PCRE2_SIZE start = 0, last_end = 0;
  while (start <= text.size()) {
    const int rc = pcre2_match(impl_->code, subject, text.size(), start, 0, match, nullptr);
    if (rc < 0) break;  // PCRE2_ERROR_NOMATCH, or an error: the rest is one gap
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
    const PCRE2_SIZE begin = ovector[0], end = ovector[1];
    if (keep_gaps && begin > last_end) pieces.emplace_back(text, last_end, begin - last_end);
    if (end > begin) pieces.emplace_back(text, begin, end - begin);
    last_end = end;
    if (end == begin) {
      // Empty match: step over one whole UTF-8 character.
      start = end + 1;
      while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
    } else {
      start = end;
    }
  }
  if (keep_gaps && last_end < text.size()) pieces.emplace_back(text, last_end, text.size() - last_end);
  pcre2_match_data_free(match);
  return pieces;
}

}  // namespace viva
