#pragma once
// Memory-mapped safetensors reading and atomic writing, one tensor at a time.
#include <torch/torch.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "viva/core/safetensors_header.h"

namespace viva {

torch::ScalarType to_scalar_type(StDtype dtype);
StDtype to_st_dtype(torch::ScalarType type);  // throws for types safetensors lacks

// A read-only memory map of a whole file.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Drops the pages of [begin, begin + length) from this process's resident memory once a
  // tensor has been copied out, so loading a whole checkpoint does not keep the file resident.
  void release(const uint8_t* begin, uint64_t length) const;

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

// One .safetensors file, validated on open (see parse_safetensors_header).
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return map_.path(); }
  const SafetensorsHeader& header() const { return header_; }
  const std::vector<TensorEntry>& tensors() const { return header_.tensors; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  bool contains(const std::string& name) const { return header_.find(name) != nullptr; }
  const TensorEntry& entry(const std::string& name) const;

  // Copies one tensor out of the map, converted to `dtype` (default: the stored one) on
  // `device`. Only this tensor is materialised (on `device`).
  torch::Tensor load(const std::string& name, std::optional<torch::ScalarType> dtype = std::nullopt,
                     torch::Device device = torch::kCPU) const;
  // Streams one tensor into `target` (its shape; any dtype and device), through a bounded
  // buffer when it converts: loading needs no second copy of the tensor.
  void copy_to(const std::string& name, torch::Tensor& target) const;

 private:
  // Copies `e` into the contiguous `target` (its shape) in bounded chunks.
  void stream(const TensorEntry& e, torch::Tensor& target) const;

  MappedFile map_;
  SafetensorsHeader header_;
};

struct NamedTensor {
  std::string name;
  torch::Tensor tensor;
};

// Writes tensors (in the given order) to `path` via a temporary file in the same folder that
// is flushed to disk and renamed into place, so a reader never sees a partial file.
void save_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace viva
