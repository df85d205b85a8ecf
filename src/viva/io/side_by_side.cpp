#include "viva/io/side_by_side.h"

#include <algorithm>
#include <cstring>

#include "viva/core/error.h"
#include "viva/io/caption_strip.h"

namespace viva {

VideoFrames compose_side_by_side(const VideoFrames& source, const VideoFrames& edited, const std::string& caption) {
  if (source.frames == 0 || edited.frames == 0) throw Error("side-by-side", "a video has no frames");
  if (source.width != edited.width || source.height != edited.height)
    throw Error("side-by-side", "source is " + std::to_string(source.width) + "x" + std::to_string(source.height) +
                                    " but edited is " + std::to_string(edited.width) + "x" + std::to_string(edited.height));
  constexpr int kGap = 8;
  const int w = edited.width, h = edited.height;
  const int width = 2 * w + kGap + (w % 2);
  const Image strip = render_caption(caption, width);
  const int frames = std::max(source.frames, edited.frames);
  VideoFrames out(frames, h + strip.height, width, edited.fps > 0 ? edited.fps : source.fps);
  std::fill(out.pixels.begin(), out.pixels.end(), 0);
  const std::size_t row = static_cast<std::size_t>(w) * 3;
  for (int t = 0; t < frames; ++t) {
    uint8_t* dst = out.frame(t);
    const uint8_t* left = source.frame(std::min(t, source.frames - 1));
    const uint8_t* right = edited.frame(std::min(t, edited.frames - 1));
    for (int y = 0; y < h; ++y) {
      uint8_t* line = dst + static_cast<std::size_t>(y) * width * 3;
      std::memcpy(line, left + y * row, row);
      std::memcpy(line + static_cast<std::size_t>(w + kGap) * 3, right + y * row, row);
    }
    std::memcpy(dst + static_cast<std::size_t>(h) * width * 3, strip.rgb.data(), strip.rgb.size());
  }
  return out;
}

void write_side_by_side(const std::string& path, const VideoFrames& source, const VideoFrames& edited,
                        const std::string& caption, const EncodeOptions& options) {
  write_video(path, compose_side_by_side(source, edited, caption), options);
}

}  // namespace viva
