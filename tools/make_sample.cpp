// Writes the sample clip shipped in samples/: the project's own synthetic test pattern, so the
// quick start needs no downloaded media.  Usage: viva_make_sample <out.mp4> [width height frames]
#include <cstdio>
#include <cstdlib>

#include "viva/core/error.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_writer.h"

int main(int argc, char** argv) {
  if (argc != 2 && argc != 5) {
    std::fprintf(stderr, "usage: %s <out.mp4> [width height frames]\n", argv[0]);
    return 2;
  }
  const int width = argc == 5 ? std::atoi(argv[2]) : 320;
  const int height = argc == 5 ? std::atoi(argv[3]) : 240;
  const int frames = argc == 5 ? std::atoi(argv[4]) : 49;
  try {
    viva::write_video(argv[1], viva::make_test_pattern(frames, height, width, 24.0));
  } catch (const viva::Error& e) {
    std::fprintf(stderr, "viva_make_sample: error: %s\n", e.what());
    return 1;
  }
  std::printf("wrote %s (%dx%d, %d frames at 24 fps)\n", argv[1], width, height, frames);
  return 0;
}
