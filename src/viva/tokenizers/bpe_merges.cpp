#include "viva/tokenizers/bpe_merges.h"

#include <limits>

#include "viva/tokenizers/unicode_text.h"

namespace viva {

bool BpeMerges::add(int left, int right, int merged) {
  return merges_.emplace(key(left, right), Merge{static_cast<int>(merges_.size()), merged}).second;
}

void BpeMerges::apply(std::vector<int>& symbols) const {
  while (symbols.size() > 1) {
    int best_rank = std::numeric_limits<int>::max();
    std::size_t best_at = 0;
    int best_merged = -1;
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = merges_.find(key(symbols[i], symbols[i + 1]));
      if (it != merges_.end() && it->second.rank < best_rank) {
        best_rank = it->second.rank;
        best_at = i;
        best_merged = it->second.merged;
      }
    }
    if (best_merged < 0) return;
    // Merge every non-overlapping occurrence of the best pair, left to right (the same result
    // as merging them one at a time, leftmost first).
    const int left = symbols[best_at], right = symbols[best_at + 1];
    std::vector<int> next;
    next.reserve(symbols.size());
    for (std::size_t i = 0; i < symbols.size();) {
      if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
        next.push_back(best_merged);
        i += 2;
      } else {
        next.push_back(symbols[i]);
        ++i;
      }
    }
    symbols.swap(next);
  }
}

const std::vector<char32_t>& byte_to_unicode() {
  static const std::vector<char32_t> table = [] {
    std::vector<char32_t> t(256, 0);
    std::vector<bool> printable(256, false);
    for (int b = '!'; b <= '~'; ++b) printable[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) t[b] = printable[b] ? static_cast<char32_t>(b) : next++;
    return t;
  }();
  return table;
}

int unicode_to_byte(char32_t cp) {
  static const std::unordered_map<char32_t, int> inverse = [] {
    std::unordered_map<char32_t, int> m;
    const auto& t = byte_to_unicode();
    for (int b = 0; b < 256; ++b) m[t[b]] = b;
    return m;
  }();
  auto it = inverse.find(cp);
  return it == inverse.end() ? -1 : it->second;
}

std::string byte_level_encode(const std::string& bytes) {
  const auto& table = byte_to_unicode();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) utf8_append(out, table[b]);
  return out;
}

}  // namespace viva
