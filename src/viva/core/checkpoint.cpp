#include "viva/core/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/core/pickled_tensors.h"
#include "viva/core/strings.h"

namespace viva {
namespace fs = std::filesystem;

std::string resolve_checkpoint_path(const std::string& path) {
  if (!fs::exists(path)) throw file_error(path, "no such file or folder");
  if (!fs::is_directory(path)) return path;
  std::vector<std::string> indexes, files, pickles;
  for (const auto& item : fs::directory_iterator(path)) {
    const std::string name = item.path().filename().string();
    if (ends_with(name, ".safetensors.index.json")) indexes.push_back(item.path().string());
    else if (ends_with(name, ".safetensors")) files.push_back(item.path().string());
    else if (ends_with(name, ".pth") || ends_with(name, ".pt") || ends_with(name, ".bin")) pickles.push_back(item.path().string());
  }
  std::sort(indexes.begin(), indexes.end());
  std::sort(files.begin(), files.end());
  if (indexes.size() == 1) return indexes[0];
  if (indexes.size() > 1) throw file_error(path, "holds several *.safetensors.index.json files; name one");
  if (files.size() == 1) return files[0];
  if (files.empty() && pickles.size() == 1) return pickles[0];
  if (files.empty()) throw file_error(path, "holds no .safetensors file or index (nor a single .pth, .pt or .bin)");
  throw file_error(path, "holds several .safetensors files and no index; name one");
}

Checkpoint::Checkpoint(const std::string& path) : path_(resolve_checkpoint_path(path)) {
  if (is_pytorch_pickle(path_) || ends_with(path_, ".pth") || ends_with(path_, ".pt") || ends_with(path_, ".bin")) {
    for (NamedTensor& t : read_pickled_tensors(path_)) {
      TensorEntry e;
      e.name = t.name;
      try {
        e.dtype = to_st_dtype(t.tensor.scalar_type());
      } catch (const std::exception&) {
        throw file_error(path_, "holds '" + t.name + "' in " + std::string(c10::toString(t.tensor.scalar_type())) +
                                    ", a dtype viva does not load");
      }
      e.shape = t.tensor.sizes().vec();
      e.end = t.tensor.nbytes();
      held_entries_[t.name] = e;
      held_[t.name] = std::move(t.tensor);
    }
    return;
  }
  if (!ends_with(path_, ".json")) {
    shards_.push_back(std::make_unique<SafetensorsFile>(path_));
    for (const auto& e : shards_[0]->tensors()) location_[e.name] = shards_[0].get();
    metadata_ = shards_[0]->metadata();
    return;
  }

  nlohmann::json index;
  try {
    index = nlohmann::json::parse(read_file(path_));
  } catch (const nlohmann::json::exception& e) {
    throw file_error(path_, std::string("index is not valid JSON: ") + e.what());
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    throw file_error(path_, "index has no \"weight_map\" object");
  if (index.contains("metadata") && index["metadata"].is_object())
    for (const auto& [key, value] : index["metadata"].items())
      metadata_[key] = value.is_string() ? value.get<std::string>() : value.dump();

  const fs::path folder = fs::path(path_).parent_path();
  std::map<std::string, SafetensorsFile*> by_shard;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    if (!shard.is_string()) throw file_error(path_, "weight_map entry for '" + name + "' is not a file name");
    const std::string shard_name = shard.get<std::string>();
    if (shard_name.find('/') != std::string::npos || shard_name == ".." )
      throw file_error(path_, "weight_map names shard '" + shard_name + "' outside the checkpoint folder");
    auto it = by_shard.find(shard_name);
    if (it == by_shard.end()) {
      const fs::path shard_path = folder / shard_name;
      if (!fs::exists(shard_path)) throw file_error(path_, "shard '" + shard_name + "' is missing");
      shards_.push_back(std::make_unique<SafetensorsFile>(shard_path.string()));
      it = by_shard.emplace(shard_name, shards_.back().get()).first;
    }
    if (!it->second->contains(name))
      throw file_error(it->second->path(), "index says it holds '" + name + "' but it does not");
    location_[name] = it->second;
  }
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> result;
  result.reserve(location_.size() + held_.size());
  for (const auto& [name, unused] : location_) result.push_back(name);
  for (const auto& [name, unused] : held_) result.push_back(name);  // (a checkpoint has one kind)
  return result;
}

const TensorEntry& Checkpoint::entry(const std::string& name) const {
  if (auto held = held_entries_.find(name); held != held_entries_.end()) return held->second;
  auto it = location_.find(name);
  if (it == location_.end()) throw file_error(path_, "has no tensor named '" + name + "'");
  return it->second->entry(name);
}

torch::Tensor Checkpoint::load(const std::string& name, std::optional<torch::ScalarType> dtype,
                               torch::Device device) const {
  if (auto held = held_.find(name); held != held_.end())
    return held->second.to(device, dtype.value_or(held->second.scalar_type()), false, /*copy=*/true);
  auto it = location_.find(name);
  if (it == location_.end()) throw file_error(path_, "has no tensor named '" + name + "'");
  return it->second->load(name, dtype, device);
}

void Checkpoint::copy_to(const std::string& name, torch::Tensor& target) const {
  if (auto held = held_.find(name); held != held_.end()) {
    if (target.sizes() != held->second.sizes())
      throw file_error(path_, "'" + name + "' is " + c10::str(held->second.sizes()) + ", not " + c10::str(target.sizes()));
    torch::NoGradGuard no_grad;
    target.copy_(held->second);
    return;
  }
  auto it = location_.find(name);
  if (it == location_.end()) throw file_error(path_, "has no tensor named '" + name + "'");
  it->second->copy_to(name, target);
}

}  // namespace viva
