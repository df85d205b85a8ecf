#include "viva/core/safetensors_header.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "viva/core/error.h"

namespace viva {
namespace {

struct DtypeInfo {
  StDtype dtype;
  const char* name;
  std::size_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {StDtype::F64, "F64", 8}, {StDtype::F32, "F32", 4}, {StDtype::F16, "F16", 2},
    {StDtype::BF16, "BF16", 2}, {StDtype::I64, "I64", 8}, {StDtype::I32, "I32", 4},
    {StDtype::I16, "I16", 2}, {StDtype::I8, "I8", 1}, {StDtype::U8, "U8", 1},
    {StDtype::BOOL, "BOOL", 1},
};

const DtypeInfo& info(StDtype dtype) {
  for (const auto& d : kDtypes)
    if (d.dtype == dtype) return d;
  return kDtypes[0];
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Rejects duplicate keys at the top level, which nlohmann would otherwise silently collapse.
class DuplicateKeyGuard {
 public:
  bool operator()(int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys_.insert(key).second) duplicate_ = key;
    }
    return true;
  }
  const std::string& duplicate() const { return duplicate_; }

 private:
  std::set<std::string> keys_;
  std::string duplicate_;
};

TensorEntry parse_entry(const std::string& name, const nlohmann::json& value, uint64_t data_size,
                        const std::string& path) {
  const std::string where = "tensor '" + name + "'";
  if (!value.is_object()) throw file_error(path, where + ": entry is not a JSON object");
  for (const auto& [key, unused] : value.items()) {
    (void)unused;
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      throw file_error(path, where + ": unknown key '" + key + "'");
  }
  if (!value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets"))
    throw file_error(path, where + ": needs dtype, shape and data_offsets");

  TensorEntry entry;
  entry.name = name;
  const auto& dtype = value["dtype"];
  if (!dtype.is_string()) throw file_error(path, where + ": dtype is not a string");
  auto parsed = parse_st_dtype(dtype.get<std::string>());
  if (!parsed) throw file_error(path, where + ": unsupported dtype '" + dtype.get<std::string>() + "'");
  entry.dtype = *parsed;

  const auto& shape = value["shape"];
  if (!shape.is_array()) throw file_error(path, where + ": shape is not an array");
  uint64_t numel = 1;
  bool overflow = false;
  for (const auto& dim : shape) {
    if (!dim.is_number_unsigned() && !(dim.is_number_integer() && dim.get<int64_t>() >= 0))
      throw file_error(path, where + ": shape has a dimension that is not a non-negative integer");
    uint64_t d = dim.get<uint64_t>();
    if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw file_error(path, where + ": shape dimension too large");
    entry.shape.push_back(static_cast<int64_t>(d));
    if (d != 0 && numel > std::numeric_limits<uint64_t>::max() / d) overflow = true;
    numel *= d;
  }

  const auto& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    throw file_error(path, where + ": data_offsets must be two non-negative integers");
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.end < entry.begin) throw file_error(path, where + ": data_offsets end before they begin");
  if (entry.end > data_size)
    throw file_error(path, where + ": data_offsets [" + std::to_string(entry.begin) + ", " +
                               std::to_string(entry.end) + ") run past the data section (" +
                               std::to_string(data_size) + " bytes)");

  const uint64_t elem = dtype_size(entry.dtype);
  if (overflow || (numel != 0 && numel > std::numeric_limits<uint64_t>::max() / elem))
    throw file_error(path, where + ": element count overflows");
  if (numel * elem != entry.nbytes())
    throw file_error(path, where + ": shape and dtype need " + std::to_string(numel * elem) +
                               " bytes but data_offsets span " + std::to_string(entry.nbytes()));
  return entry;
}

}  // namespace

std::size_t dtype_size(StDtype dtype) { return info(dtype).size; }
const char* dtype_name(StDtype dtype) { return info(dtype).name; }

std::optional<StDtype> parse_st_dtype(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return d.dtype;
  return std::nullopt;
}

uint64_t TensorEntry::numel() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

const TensorEntry* SafetensorsHeader::find(const std::string& name) const {
  auto it = std::lower_bound(tensors.begin(), tensors.end(), name,
                             [](const TensorEntry& e, const std::string& n) { return e.name < n; });
  return it != tensors.end() && it->name == name ? &*it : nullptr;
}

SafetensorsHeader parse_safetensors_header(const uint8_t* data, std::size_t available,
                                           uint64_t file_size, const std::string& path) {
  if (file_size < 8 || available < 8)
    throw file_error(path, "not a safetensors file: " + std::to_string(file_size) +
                               " bytes is too short for the 8-byte header length");
  const uint64_t header_len = read_u64_le(data);
  if (header_len > kMaxSafetensorsHeaderBytes)
    throw file_error(path, "header length " + std::to_string(header_len) +
                               " exceeds the limit of " + std::to_string(kMaxSafetensorsHeaderBytes) +
                               " bytes (not a safetensors file?)");
  if (header_len > file_size - 8)
    throw file_error(path, "header length " + std::to_string(header_len) +
                               " runs past the end of the file (" + std::to_string(file_size) +
                               " bytes): truncated or not a safetensors file");
  if (header_len + 8 > available)
    throw file_error(path, "header not fully available");
  if (header_len < 2 || data[8] != '{')
    throw file_error(path, "header does not start with a JSON object");

  const char* text = reinterpret_cast<const char*>(data + 8);
  DuplicateKeyGuard guard;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(
        text, text + header_len,
        [&guard](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          return guard(depth, event, parsed);
        });
  } catch (const nlohmann::json::exception& e) {
    throw file_error(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw file_error(path, "header is not a JSON object");
  if (!guard.duplicate().empty())
    throw file_error(path, "header names '" + guard.duplicate() + "' twice");

  SafetensorsHeader result;
  result.data_offset = 8 + header_len;
  result.data_size = file_size - result.data_offset;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw file_error(path, "__metadata__ is not a JSON object");
      for (const auto& [key, item] : value.items()) {
        if (!item.is_string())
          throw file_error(path, "__metadata__ value for '" + key + "' is not a string");
        result.metadata[key] = item.get<std::string>();
      }
      continue;
    }
    result.tensors.push_back(parse_entry(name, value, result.data_size, path));
  }

  std::vector<const TensorEntry*> by_offset;
  for (const auto& e : result.tensors) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorEntry* a, const TensorEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const TensorEntry& prev = *by_offset[i - 1];
    const TensorEntry& cur = *by_offset[i];
    if (cur.begin < prev.end)
      throw file_error(path, "tensors '" + prev.name + "' and '" + cur.name + "' overlap in the data section");
  }
  // items() iterates in key order, so tensors are already sorted by name.
  return result;
}

}  // namespace viva
