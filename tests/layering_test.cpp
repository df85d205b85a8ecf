// The source tree's one-way line (../shared/STYLE.md, src/CMakeLists.txt):
//   core < io, nn, tokenizers < models, diffusion, vlm < data < pipeline, rewards < train, eval
//   < shapes/world < shapes/judge < shapes/recipe < serve < cli
// An include may point down the line or sideways within a step (never both ways between two
// folders), never up it; so the product never includes the ShapesWorld lab.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

const std::map<std::string, int>& step_of_folder() {
  static const std::map<std::string, int> steps = {
      {"core", 0},     {"io", 1},       {"nn", 1},       {"tokenizers", 1},   {"models", 2},
      {"diffusion", 2}, {"vlm", 2},     {"data", 3},     {"pipeline", 4},     {"rewards", 4},
      {"train", 5},    {"eval", 5},     {"shapes/world", 6}, {"shapes/judge", 7},
      {"shapes/recipe", 8}, {"serve", 9}, {"cli", 10}};
  return steps;
}

// "viva/shapes/judge/x.h" -> "shapes/judge"; "viva/models/dit/x.h" -> "models".
std::string folder_of(const std::string& path_under_viva) {
  const auto first = path_under_viva.find('/');
  if (first == std::string::npos) return "";
  const std::string top = path_under_viva.substr(0, first);
  if (top != "shapes") return top;
  const auto second = path_under_viva.find('/', first + 1);
  return second == std::string::npos ? top : path_under_viva.substr(0, second);
}

// Every breach of the line under src_viva, one "file:line: why" each.
std::vector<std::string> layering_breaches(const fs::path& src_viva) {
  const std::regex include_line(R"(^\s*#\s*include\s+"viva/([^"]+)\")");
  std::vector<std::string> breaches;
  std::set<std::pair<std::string, std::string>> sideways;
  for (const auto& entry : fs::recursive_directory_iterator(src_viva)) {
    if (!entry.is_regular_file()) continue;
    const std::string ext = entry.path().extension().string();
    if (ext != ".h" && ext != ".cpp" && ext != ".in") continue;
    const std::string rel = fs::relative(entry.path(), src_viva).generic_string();
    const std::string from = folder_of(rel);
    const auto from_step = step_of_folder().find(from);
    if (from_step == step_of_folder().end()) {
      breaches.push_back(rel + ": folder '" + from + "' has no step on the line (add it to this test)");
      continue;
    }
    std::ifstream in(entry.path());
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      std::smatch match;
      if (!std::regex_search(line, match, include_line)) continue;
      const std::string to = folder_of(match[1].str());
      const std::string where = rel + ":" + std::to_string(number) + ": ";
      const auto to_step = step_of_folder().find(to);
      if (to_step == step_of_folder().end()) {
        breaches.push_back(where + "includes viva/" + match[1].str() + " in unknown folder '" + to + "'");
      } else if (to_step->second > from_step->second) {
        breaches.push_back(where + from + " includes " + to + " (viva/" + match[1].str() + "), above it");
      } else if (to_step->second == from_step->second && to != from) {
        sideways.insert({from, to});
      }
    }
  }
  for (const auto& [from, to] : sideways)
    if (from < to && sideways.count({to, from}))
      breaches.push_back(from + " and " + to + " include each other");
  return breaches;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST(Layering, NoIncludePointsUpTheLine) {
  const fs::path src_viva = fs::path(VIVA_PROJECT_DIR) / "src" / "viva";
  ASSERT_TRUE(fs::is_directory(src_viva)) << src_viva;
  const auto breaches = layering_breaches(src_viva);
  std::string listed;
  for (const auto& breach : breaches) listed += "\n  " + breach;
  EXPECT_TRUE(breaches.empty()) << breaches.size() << " include(s) break the line:" << listed;
}

TEST(Layering, FindsAnUpwardIncludeASidewaysLoopAndAnUnplacedFolder) {
  viva::testing::TempDir dir;
  const fs::path src = dir.path() / "viva";
  write_file(src / "core/error.h", "#pragma once\n");
  write_file(src / "io/image.cpp", "#include \"viva/core/error.h\"\n");  // down: fine
  write_file(src / "data/manifest.cpp", "#include \"viva/core/error.h\"\n#include \"viva/shapes/world/scene.h\"\n");
  write_file(src / "nn/a.h", "#include \"viva/io/b.h\"\n");
  write_file(src / "io/b.h", "#include \"viva/nn/a.h\"\n");
  write_file(src / "gadgets/c.cpp", "\n");
  const auto breaches = layering_breaches(src);
  ASSERT_EQ(breaches.size(), 3u);
  std::string all;
  for (const auto& breach : breaches) all += breach + "\n";
  EXPECT_NE(all.find("data/manifest.cpp:2: data includes shapes/world"), std::string::npos) << all;
  EXPECT_NE(all.find("io and nn include each other"), std::string::npos) << all;
  EXPECT_NE(all.find("folder 'gadgets' has no step"), std::string::npos) << all;
}
