#pragma once
// A manifest of six captioned 3-frame clips (three pairs) for the trainers' tests.
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "temp_dir.h"
#include "viva/data/manifest.h"
#include "viva/io/video_writer.h"

namespace viva::testing {

// Six 3-frame clips of distinct colours (PNG folders), each with its colour as caption; striped
// (the colour and its half) so that blur and pixelation change them.
inline std::string write_colour_manifest(const TempDir& dir) {
  const std::vector<std::pair<std::string, std::array<uint8_t, 3>>> colours = {
      {"red", {220, 30, 30}},    {"green", {30, 200, 40}},  {"blue", {30, 40, 220}},
      {"yellow", {230, 220, 40}}, {"purple", {140, 40, 170}}, {"white", {245, 245, 245}}};
  std::vector<ManifestRow> rows;
  for (std::size_t i = 0; i < colours.size(); i += 2) {
    ManifestRow r;
    r.id = "c" + std::to_string(i);
    r.task = "attribute";
    r.instruction = "make it " + colours[i + 1].first;
    for (int side = 0; side < 2; ++side) {
      VideoFrames v(3, 32, 32, 8.0);
      for (std::size_t p = 0; p < v.pixels.size(); ++p) {
        const bool dark = (p / 3 % 32) / 2 % 2;  // 2-pixel vertical stripes
        v.pixels[p] = static_cast<uint8_t>(colours[i + side].second[p % 3] >> (dark ? 1 : 0));
      }
      const std::string path = dir.file(r.id + (side ? "_target" : "_source"));
      write_video(path, v);
      (side ? r.target : r.source) = path;
      (side ? r.target_caption : r.source_caption) = "a " + colours[i + side].first + " frame";
    }
    rows.push_back(r);
  }
  write_manifest(dir.file("manifest.jsonl"), rows);
  return dir.file("manifest.jsonl");
}

}  // namespace viva::testing
