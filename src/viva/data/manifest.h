#pragma once
// The on-disk dataset (viva.md §2 Data): a JSONL manifest, one sample per line, with media files
// beside it. Every tool that makes data writes it and every tool that reads data reads it here.
//
//   {"id": "s0001", "kind": "video", "task": "replace", "source": "s0001/source.mp4",
//    "target": "s0001/target.mp4", "mask": "s0001/mask", "reference": "", "instruction": "...",
//    "source_caption": "...", "target_caption": "...", "split": "train"}
//
// Media paths are relative to the manifest's folder (absolute paths are kept). `mask` is a
// video (or PNG folder) whose non-black pixels mark the edited region; it may be empty.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace viva {

enum class SampleKind { Video, Image };

struct ManifestRow {
  int64_t line = 0;  // 1-based line in the manifest
  std::string id;
  SampleKind kind = SampleKind::Video;
  std::string task;
  std::string source, target, mask, reference;  // resolved paths; "" when absent
  std::string instruction, source_caption, target_caption;
  std::string split = "train";
};

struct ManifestProblem {
  int64_t line = 0;
  std::string id;  // may be empty when the line could not be parsed
  std::string problem;
};

struct Manifest {
  std::string path;
  std::vector<ManifestRow> rows;          // the lines that parsed
  std::vector<ManifestProblem> problems;  // the lines that did not, with why
};

// Tasks a manifest may name (ShapesWorld's and the paper's categories).
const std::vector<std::string>& known_tasks();

// Reads every line; a malformed line becomes a problem, not an exception. Throws only when the
// file cannot be read.
Manifest read_manifest(const std::string& path);

// Writes rows (paths made relative to the manifest's folder when inside it), atomically.
void write_manifest(const std::string& path, const std::vector<ManifestRow>& rows);

const char* kind_name(SampleKind kind);

// Calls `use` for the source and then the target clip of every row of `split` ("" = every row)
// that has one, with that clip's caption. A viva::Error thrown by `use` skips the clip with a
// warning naming the manifest line, as every trainer treats an unreadable clip.
void for_each_clip(const Manifest& manifest, const std::string& split,
                   const std::function<void(const ManifestRow& row, const std::string& path, const std::string& caption)>& use);

}  // namespace viva
