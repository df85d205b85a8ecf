#pragma once
// UTF-8 helpers the tokenizers need: code point iteration, encoding, Unicode lower-casing.
#include <cstdint>
#include <string>
#include <vector>

namespace viva {

// Decodes UTF-8; invalid bytes become U+FFFD (as Python's errors="replace" would).
std::vector<char32_t> utf8_decode(const std::string& text);
void utf8_append(std::string& out, char32_t code_point);
std::string utf8_encode(const std::vector<char32_t>& code_points);

// Simple (one-to-one) Unicode lower-casing from the C library's UTF-8 tables. Python's
// str.lower applies the few one-to-many mappings too (e.g. U+0130); those are not reproduced.
std::string utf8_lower(const std::string& text);

}  // namespace viva
