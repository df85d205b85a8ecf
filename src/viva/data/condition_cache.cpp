#include "viva/data/condition_cache.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/core/safetensors.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

std::string shard_name(int64_t shard) {
  char name[48];
  std::snprintf(name, sizeof name, "shard-%05lld.safetensors", static_cast<long long>(shard));
  return name;
}

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << line << "\n";
  out.flush();
  if (!out) throw file_error(path, "cannot append");
}

const char* const kFields[] = {"source", "target", "mask", "reference", "tokens", "uncond_tokens", "pooled",
                               "uncond_pooled"};

torch::Tensor* field(CachedSample& s, const std::string& name) {
  if (name == "source") return &s.source;
  if (name == "target") return &s.target;
  if (name == "mask") return &s.mask;
  if (name == "reference") return &s.reference;
  if (name == "tokens") return &s.tokens;
  if (name == "uncond_tokens") return &s.uncond_tokens;
  if (name == "pooled") return &s.pooled;
  return &s.uncond_pooled;
}

}  // namespace

torch::Tensor mask_to_latent_grid(const torch::Tensor& mask, int64_t time, int64_t space) {
  auto m = mask.to(torch::kFloat32).unsqueeze(0).unsqueeze(0);  // [1, 1, T, H, W]
  auto first = torch::max_pool3d(m.narrow(2, 0, 1), {1, space, space});
  std::vector<torch::Tensor> parts{first};
  if (m.size(2) > 1) parts.push_back(torch::max_pool3d(m.narrow(2, 1, m.size(2) - 1), {time, space, space}));
  return torch::cat(parts, 2).squeeze(0).gt(0).to(torch::kFloat32);
}

ConditionCacheWriter::ConditionCacheWriter(const std::string& folder, int64_t shard_size)
    : folder_(folder), shard_size_(shard_size) {
  if (shard_size < 1) throw Error(folder, "shard size must be positive");
  fs::create_directories(folder);
  const std::string index = (fs::path(folder) / "index.jsonl").string();
  std::vector<std::string> lines;
  {
    std::ifstream in(index);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) lines.push_back(line);
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i], nullptr, false);
    if (j.is_discarded() || !j.contains("id") || !j.contains("shard")) {
      // A kill in the middle of appending leaves a torn last line: drop it (its sample is
      // encoded again). Damage anywhere else is not ours to repair.
      if (i + 1 != lines.size())
        throw file_error(index, "is damaged (line " + std::to_string(i + 1) +
                                    " is not a cache entry); delete the cache folder to start over");
      lines.pop_back();
      std::string kept;
      for (const auto& l : lines) kept += l + "\n";
      write_file_atomically(index, kept);
      break;
    }
    done_.insert(j["id"].get<std::string>());
    next_shard_ = std::max<int64_t>(next_shard_, j["shard"].get<int64_t>() + 1);
  }
}

ConditionCacheWriter::~ConditionCacheWriter() = default;

bool ConditionCacheWriter::done(const std::string& id) const {
  return done_.count(id) != 0;
}

void ConditionCacheWriter::add(CachedSample sample) {
  pending_.push_back(std::move(sample));
  if (static_cast<int64_t>(pending_.size()) >= shard_size_) flush();
}

void ConditionCacheWriter::add_error(const ManifestRow& row, const std::string& error) {
  append_line((fs::path(folder_) / "errors.jsonl").string(),
              nlohmann::json{{"line", row.line}, {"id", row.id}, {"error", error}}.dump());
}

void ConditionCacheWriter::flush() {
  if (pending_.empty()) return;
  std::vector<NamedTensor> tensors;
  for (CachedSample& s : pending_)
    for (const char* name : kFields) {
      const torch::Tensor* t = field(s, name);
      if (t->defined()) tensors.push_back({s.id + "/" + name, t->detach().to(torch::kCPU).contiguous()});
    }
  save_safetensors((fs::path(folder_) / shard_name(next_shard_)).string(), tensors);
  std::string lines;
  for (const CachedSample& s : pending_) {
    lines += nlohmann::json{{"id", s.id},
                            {"shard", next_shard_},
                            {"kind", kind_name(s.kind)},
                            {"task", s.task},
                            {"split", s.split},
                            {"shape", s.target.sizes().vec()},
                            {"reference", s.reference.defined()}}
                 .dump() +
             "\n";
    done_.insert(s.id);
  }
  lines.pop_back();
  append_line((fs::path(folder_) / "index.jsonl").string(), lines);
  pending_.clear();
  ++next_shard_;
}

ConditionCache::ConditionCache(const std::string& folder) : folder_(folder) {
  const std::string index = (fs::path(folder) / "index.jsonl").string();
  std::ifstream in(index);
  if (!in) throw file_error(folder, "is not a condition cache (no index.jsonl; run viva data encode)");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  int64_t shards = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i], nullptr, false);
    if (j.is_discarded() && i + 1 == lines.size()) break;  // torn by a kill while encoding
    if (j.is_discarded()) throw file_error(index, "is damaged (line " + std::to_string(i + 1) + " is not JSON)");
    Entry e;
    e.id = j.at("id").get<std::string>();
    e.shard = j.at("shard").get<int64_t>();
    e.kind = j.at("kind").get<std::string>() == "image" ? SampleKind::Image : SampleKind::Video;
    e.task = j.value("task", "");
    e.split = j.value("split", "");
    e.shape = j.at("shape").get<std::vector<int64_t>>();
    e.reference = j.value("reference", false);
    shards = std::max(shards, e.shard + 1);
    entries_.push_back(std::move(e));
  }
  if (entries_.empty()) throw file_error(index, "lists no samples");
  for (int64_t s = 0; s < shards; ++s)
    shards_.push_back(std::make_unique<Checkpoint>((fs::path(folder) / shard_name(s)).string()));
}

CachedSample ConditionCache::load(int64_t i) const {
  const Entry& e = entries_.at(static_cast<std::size_t>(i));
  const Checkpoint& shard = *shards_.at(static_cast<std::size_t>(e.shard));
  CachedSample s;
  s.id = e.id;
  s.kind = e.kind;
  s.task = e.task;
  s.split = e.split;
  for (const char* name : kFields)
    if (shard.contains(e.id + "/" + name)) *field(s, name) = shard.load(e.id + "/" + name);
  if (!s.target.defined() || !s.tokens.defined())  // text-to-video samples have no source
    throw file_error(shard.path(), "sample '" + e.id + "' is incomplete");
  return s;
}

}  // namespace viva
