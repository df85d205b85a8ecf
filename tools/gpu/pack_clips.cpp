// viva_pack_clips DATA OUT TRAIN_ROWS VALIDATION_ROWS: copies the first rows of a manifest's train
// and validation splits to OUT, with every video clip rewritten as a folder of PNG frames, for a
// machine without FFmpeg (the lent GPU machines; tools/gpu/train_vae.sh). Masks are left out.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "viva/core/error.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) try {
  if (argc != 5) {
    std::cerr << "usage: viva_pack_clips DATA OUT TRAIN_ROWS VALIDATION_ROWS\n";
    return 2;
  }
  const fs::path data = argv[1], out = argv[2];
  const std::map<std::string, int> limit{{"train", std::stoi(argv[3])}, {"validation", std::stoi(argv[4])}};
  std::map<std::string, int> taken;
  std::ifstream in(data / "manifest.jsonl");
  if (!in) throw viva::Error((data / "manifest.jsonl").string(), "cannot be read");
  fs::create_directories(out / "media");
  std::ofstream manifest(out / "manifest.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json row = nlohmann::json::parse(line);
    const std::string split = row.at("split");
    if (!limit.count(split) || taken[split] >= limit.at(split)) continue;
    ++taken[split];
    for (const char* key : {"source", "target"}) {
      const std::string path = row.value(key, "");
      if (path.empty()) continue;
      if (row.at("kind") == "image") {
        fs::copy_file(data / path, out / path, fs::copy_options::overwrite_existing);
        continue;
      }
      const std::string folder = fs::path(path).replace_extension().string();
      viva::write_video((out / folder).string(), viva::read_video((data / path).string()));  // no extension: PNG frames
      row[key] = folder;
    }
    row["mask"] = "";
    manifest << row.dump() << "\n";
  }
  std::cout << "packed " << taken["train"] << " train and " << taken["validation"] << " validation rows into "
            << out.string() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
