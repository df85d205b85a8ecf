#pragma once
// The merge loop shared by byte-level BPE (Llama-3's tokenizer.json) and CLIP's BPE: starting
// from single symbols, repeatedly merge the adjacent pair with the lowest merge rank, leftmost
// first, until no listed pair remains.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace viva {

class BpeMerges {
 public:
  // Registers "left right" -> merged token, with rank = registration order. All three must be
  // vocabulary ids. Returns false when the pair was already listed (the first rank wins).
  bool add(int left, int right, int merged);
  std::size_t size() const { return merges_.size(); }

  // Merges `symbols` in place.
  void apply(std::vector<int>& symbols) const;

 private:
  struct Merge {
    int rank;
    int merged;
  };
  static uint64_t key(int left, int right) { return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right); }
  std::unordered_map<uint64_t, Merge> merges_;
};

// GPT-2's reversible byte -> printable code point map used by byte-level BPE.
const std::vector<char32_t>& byte_to_unicode();
// The inverse, for decoding; code points outside the map give -1.
int unicode_to_byte(char32_t cp);

// `bytes` with every byte replaced by its byte_to_unicode() character, as UTF-8.
std::string byte_level_encode(const std::string& bytes);

}  // namespace viva
