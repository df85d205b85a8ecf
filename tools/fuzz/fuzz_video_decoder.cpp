// libFuzzer target: decoding arbitrary bytes through FFmpeg must end in frames or viva::Error,
// never a crash, leak or out-of-bounds access in our code.
#include <cstddef>
#include <cstdint>

#include "viva/core/error.h"
#include "viva/io/video_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const viva::VideoFrames video =
        viva::read_video_from_memory(data, size, viva::DecodeOptions().set_max_frames(4), "fuzz.bin");
    if (video.pixels.size() != video.frame_bytes() * static_cast<size_t>(video.frames)) __builtin_trap();
  } catch (const viva::Error&) {
  }
  return 0;
}
