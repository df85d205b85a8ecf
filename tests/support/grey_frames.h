#pragma once
// A folder of PNG frames whose grey level tells the frame's index.
#include <cstdio>
#include <filesystem>
#include <string>

#include "viva/io/image.h"

namespace viva::testing {

// A folder of `n` PNG frames, frame i filled with grey level 10 * i.
inline std::string write_frames(const std::string& folder, int n, int w = 32, int h = 24) {
  std::filesystem::create_directories(folder);
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%05d.png", i);
    write_image(folder + "/" + name, Image(w, h, static_cast<uint8_t>(10 * i)));
  }
  return folder;
}

}  // namespace viva::testing
