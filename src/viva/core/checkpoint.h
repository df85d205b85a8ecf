#pragma once
// A checkpoint as one name -> tensor map, whether it is a single .safetensors file, shards
// listed by a Hugging Face "*.safetensors.index.json" (weight_map: tensor name -> shard file), or
// a PyTorch pickle (.pth, .pt, .bin; read safely from its memory map, core/pickled_tensors.h).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "viva/core/safetensors.h"

namespace viva {

class Checkpoint {
 public:
  // `path` is a .safetensors file, an index .json, a PyTorch zip pickle, or a folder holding
  // exactly one index or exactly one .safetensors file (else exactly one .pth, .pt or .bin).
  explicit Checkpoint(const std::string& path);

  const std::string& path() const { return path_; }  // the file or index actually opened
  std::vector<std::string> names() const;             // sorted
  bool contains(const std::string& name) const { return location_.count(name) != 0 || held_.count(name) != 0; }
  const TensorEntry& entry(const std::string& name) const;
  torch::Tensor load(const std::string& name, std::optional<torch::ScalarType> dtype = std::nullopt,
                     torch::Device device = torch::kCPU) const;
  void copy_to(const std::string& name, torch::Tensor& target) const;  // see SafetensorsFile::copy_to

  const std::vector<std::unique_ptr<SafetensorsFile>>& shards() const { return shards_; }
  // The index's "metadata" (e.g. total_size) or the single file's __metadata__.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  std::string path_;
  std::vector<std::unique_ptr<SafetensorsFile>> shards_;
  std::map<std::string, const SafetensorsFile*> location_;
  std::map<std::string, std::string> metadata_;
  // A PyTorch pickle's tensors, with entries describing them (offsets unused).
  std::map<std::string, torch::Tensor> held_;
  std::map<std::string, TensorEntry> held_entries_;
};

// Resolves a folder to the checkpoint file inside it (see Checkpoint); files pass through.
std::string resolve_checkpoint_path(const std::string& path);

}  // namespace viva
