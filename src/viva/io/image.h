#pragma once
// Still images through stb: PNG, JPEG (and whatever else stb_image reads) in, PNG/JPEG out.
#include <cstdint>
#include <string>
#include <vector>

namespace viva {

// RGB, uint8, row-major [height, width, 3].
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;

  Image() = default;
  Image(int width_, int height_, uint8_t fill = 0)
      : width(width_), height(height_), rgb(static_cast<std::size_t>(width_) * height_ * 3, fill) {}
  uint8_t* at(int x, int y) { return rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
  const uint8_t* at(int x, int y) const { return rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
};

Image read_image(const std::string& path);
// The format follows the extension (.png or .jpg/.jpeg); written atomically.
void write_image(const std::string& path, const Image& image, int jpeg_quality = 95);

// PNG file bytes in memory (images sent inline, e.g. to a VLM), and back; `name` labels errors.
std::string encode_png(const Image& image);
Image decode_image(const std::string& bytes, const std::string& name);

}  // namespace viva
