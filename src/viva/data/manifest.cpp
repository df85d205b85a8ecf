#include "viva/data/manifest.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

const std::set<std::string> kKeys = {"id",          "kind",           "task",           "source",
                                     "target",      "mask",           "reference",      "instruction",
                                     "source_caption", "target_caption", "split"};

std::string resolve(const fs::path& folder, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (folder / path).lexically_normal().string();
}

// Rows hold paths as the process sees them (relative to the working folder or absolute).
std::string relative_to(const fs::path& folder, const std::string& path) {
  if (path.empty()) return path;
  const fs::path absolute = fs::absolute(path).lexically_normal();
  const fs::path rel = absolute.lexically_relative(folder);
  return !rel.empty() && rel.string().rfind("..", 0) != 0 ? rel.string() : absolute.string();
}

ManifestRow parse_row(const std::string& line, const fs::path& folder) {
  const nlohmann::json j = nlohmann::json::parse(line);  // throws parse_error
  if (!j.is_object()) throw Error("not a JSON object");
  for (const auto& item : j.items())
    if (!kKeys.count(item.key())) throw Error("unknown key '" + item.key() + "'");
  auto text = [&](const char* key) -> std::string {
    if (!j.contains(key) || j[key].is_null()) return "";
    if (!j[key].is_string()) throw Error(std::string("'") + key + "' must be a string");
    return j[key].get<std::string>();
  };
  ManifestRow r;
  r.id = text("id");
  if (r.id.empty()) throw Error("missing 'id'");
  const std::string kind = text("kind");
  if (kind == "video" || kind.empty()) r.kind = SampleKind::Video;
  else if (kind == "image") r.kind = SampleKind::Image;
  else throw Error("kind must be video or image, got '" + kind + "'");
  r.task = text("task");
  r.source = resolve(folder, text("source"));
  r.target = resolve(folder, text("target"));
  r.mask = resolve(folder, text("mask"));
  r.reference = resolve(folder, text("reference"));
  r.instruction = text("instruction");
  r.source_caption = text("source_caption");
  r.target_caption = text("target_caption");
  const std::string split = text("split");
  if (!split.empty()) r.split = split;
  return r;
}

}  // namespace

const std::vector<std::string>& known_tasks() {
  static const std::vector<std::string> tasks = {"add",     "remove",  "replace", "attribute",     "background",
                                                 "weather", "style",   "global",  "reference_add", "reference_replace",
                                                 "hybrid"};
  return tasks;
}

const char* kind_name(SampleKind kind) { return kind == SampleKind::Image ? "image" : "video"; }

Manifest read_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path, fs::exists(path) ? "cannot be read" : "no such file");
  Manifest m;
  m.path = path;
  const fs::path folder = fs::absolute(path).parent_path();
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      ManifestRow row = parse_row(line, folder);
      row.line = number;
      m.rows.push_back(std::move(row));
    } catch (const nlohmann::json::exception& e) {
      m.problems.push_back({number, "", std::string("not valid JSON: ") + e.what()});
    } catch (const Error& e) {
      m.problems.push_back({number, "", e.what()});
    }
  }
  return m;
}

void write_manifest(const std::string& path, const std::vector<ManifestRow>& rows) {
  const fs::path folder = fs::absolute(path).lexically_normal().parent_path();
  std::string text;
  for (const ManifestRow& r : rows) {
    nlohmann::json j = {{"id", r.id},
                        {"kind", kind_name(r.kind)},
                        {"task", r.task},
                        {"source", relative_to(folder, r.source)},
                        {"target", relative_to(folder, r.target)},
                        {"mask", relative_to(folder, r.mask)},
                        {"reference", relative_to(folder, r.reference)},
                        {"instruction", r.instruction},
                        {"source_caption", r.source_caption},
                        {"target_caption", r.target_caption},
                        {"split", r.split}};
    text += j.dump() + "\n";
  }
  write_file_atomically(path, text);
}

void for_each_clip(const Manifest& manifest, const std::string& split,
                   const std::function<void(const ManifestRow& row, const std::string& path, const std::string& caption)>& use) {
  for (const ManifestRow& row : manifest.rows) {
    if (!split.empty() && row.split != split) continue;
    for (const auto& [path, caption] : {std::pair{row.source, row.source_caption}, std::pair{row.target, row.target_caption}}) {
      if (path.empty()) continue;
      try {
        use(row, path, caption);
      } catch (const Error& e) {
        std::fprintf(stderr, "viva: warning: %s:%lld (%s): %s (skipped)\n", manifest.path.c_str(),
                     static_cast<long long>(row.line), row.id.c_str(), e.what());
      }
    }
  }
}

}  // namespace viva
