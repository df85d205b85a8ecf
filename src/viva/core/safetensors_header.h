#pragma once
// Strict parser for the safetensors header (https://github.com/huggingface/safetensors):
//   [u64 little-endian header length N][N bytes of JSON][data section]
// It needs no torch so the fuzzer (tools/fuzz) can drive it on its own.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace viva {

enum class StDtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

std::size_t dtype_size(StDtype dtype);
const char* dtype_name(StDtype dtype);
std::optional<StDtype> parse_st_dtype(const std::string& name);

struct TensorEntry {
  std::string name;
  StDtype dtype = StDtype::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets relative to the start of the data section
  uint64_t end = 0;

  uint64_t numel() const;
  uint64_t nbytes() const { return end - begin; }
};

struct SafetensorsHeader {
  std::vector<TensorEntry> tensors;  // sorted by name
  std::map<std::string, std::string> metadata;
  uint64_t data_offset = 0;  // absolute offset of the data section (8 + header length)
  uint64_t data_size = 0;    // bytes from data_offset to the end of the file

  const TensorEntry* find(const std::string& name) const;
};

// Headers larger than this are rejected before any parsing (the reference library's cap).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;

// Parses and validates the header of a file whose first `available` bytes are `data` and whose
// total size is `file_size` (available may be just the header when streaming). Checks: length
// fits the file and the cap; JSON object; known dtypes; non-negative shapes; byte counts equal
// numel * dtype size without overflow; offsets inside the data section; no two tensors overlap;
// no duplicate names; __metadata__ is a string-to-string map. Throws viva::Error naming `path`.
SafetensorsHeader parse_safetensors_header(const uint8_t* data, std::size_t available,
                                           uint64_t file_size, const std::string& path);

}  // namespace viva
