#include "viva/data/manifest_check.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/io/image.h"
#include "viva/io/video_reader.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

struct MediaShape {
  int width = 0, height = 0;
  int64_t frames = 0;
};

bool is_image_file(const std::string& path) {
  const std::string ext = lower_extension(path);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// Size and frame count from headers (a folder of frames: its first frame and its file count).
MediaShape probe_media(const std::string& path) {
  if (!fs::exists(path)) throw Error(path, "no such file");
  if (fs::is_directory(path)) {
    std::vector<std::string> frames;
    for (const auto& e : fs::directory_iterator(path))
      if (e.is_regular_file() && is_image_file(e.path().string())) frames.push_back(e.path().string());
    if (frames.empty()) throw Error(path, "folder holds no .png or .jpg frames");
    std::sort(frames.begin(), frames.end());
    const Image first = read_image(frames.front());
    return {first.width, first.height, static_cast<int64_t>(frames.size())};
  }
  if (is_image_file(path)) {
    const Image image = read_image(path);
    return {image.width, image.height, 1};
  }
  const VideoInfo info = probe_video(path);
  return {info.width, info.height, info.frame_count};
}

}  // namespace

int64_t ManifestCheck::bad_rows() const {
  std::set<int64_t> lines;
  for (const auto& p : problems) lines.insert(p.line);
  return static_cast<int64_t>(lines.size());
}

ManifestCheck check_manifest(const std::string& path) {
  const Manifest manifest = read_manifest(path);
  ManifestCheck check;
  check.rows = static_cast<int64_t>(manifest.rows.size() + manifest.problems.size());
  check.problems = manifest.problems;
  const auto& tasks = known_tasks();
  std::set<std::string> ids;
  for (const ManifestRow& row : manifest.rows) {
    auto problem = [&](const std::string& what) { check.problems.push_back({row.line, row.id, what}); };
    if (!ids.insert(row.id).second) problem("duplicate id '" + row.id + "'");
    if (row.instruction.find_first_not_of(" \t\n") == std::string::npos) problem("empty instruction");
    if (std::find(tasks.begin(), tasks.end(), row.task) == tasks.end()) problem("unknown task '" + row.task + "'");
    if (row.source.empty()) problem("no source");
    if (row.target.empty()) problem("no target");
    std::vector<std::pair<std::string, MediaShape>> shapes;
    for (const auto& [role, file] : {std::pair<std::string, std::string>{"source", row.source}, {"target", row.target},
                                     {"mask", row.mask}}) {
      if (file.empty()) continue;
      try {
        shapes.push_back({role, probe_media(file)});
      } catch (const std::exception& e) {
        problem(role + ": " + e.what());
      }
    }
    if (!row.reference.empty()) {
      try {
        read_image(row.reference);
      } catch (const std::exception& e) {
        problem(std::string("reference: ") + e.what());
      }
    }
    for (std::size_t i = 1; i < shapes.size(); ++i) {
      const MediaShape& a = shapes.front().second;
      const MediaShape& b = shapes[i].second;
      if (a.width != b.width || a.height != b.height)
        problem(shapes[i].first + " is " + std::to_string(b.width) + "x" + std::to_string(b.height) + " but source is " +
                std::to_string(a.width) + "x" + std::to_string(a.height));
      if (a.frames != b.frames)
        problem(shapes[i].first + " has " + std::to_string(b.frames) + " frames but source has " + std::to_string(a.frames));
    }
    if (row.kind == SampleKind::Image)
      for (const auto& [role, shape] : shapes)
        if (shape.frames > 1) problem("an image row's " + role + " has " + std::to_string(shape.frames) + " frames");
  }
  std::stable_sort(check.problems.begin(), check.problems.end(),
                   [](const ManifestProblem& a, const ManifestProblem& b) { return a.line < b.line; });
  return check;
}

}  // namespace viva
