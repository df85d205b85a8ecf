#include "viva/io/image.h"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/core/strings.h"

namespace viva {
namespace {

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

}  // namespace

Image read_image(const std::string& path) { return decode_image(read_file(path), path); }

Image decode_image(const std::string& bytes, const std::string& path) {
  if (bytes.empty()) throw file_error(path, "file is empty");
  int width = 0, height = 0, channels = 0;
  uint8_t* pixels = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()),
                                          &width, &height, &channels, 3);
  if (!pixels) throw file_error(path, std::string("cannot read as an image: ") + stbi_failure_reason());
  Image image;
  image.width = width;
  image.height = height;
  image.rgb.assign(pixels, pixels + static_cast<std::size_t>(width) * height * 3);
  stbi_image_free(pixels);
  return image;
}

std::string encode_png(const Image& image) {
  if (image.width <= 0 || image.height <= 0) throw Error("encoding a PNG", "the image is empty");
  std::string bytes;
  if (!stbi_write_png_to_func(append_bytes, &bytes, image.width, image.height, 3, image.rgb.data(), image.width * 3))
    throw Error("encoding a PNG", "stb_image_write failed");
  return bytes;
}

void write_image(const std::string& path, const Image& image, int jpeg_quality) {
  if (image.width <= 0 || image.height <= 0) throw file_error(path, "cannot write an empty image");
  const std::string ext = lower_extension(path);
  std::string bytes;
  int ok = 0;
  if (ext == ".png")
    ok = stbi_write_png_to_func(append_bytes, &bytes, image.width, image.height, 3, image.rgb.data(), image.width * 3);
  else if (ext == ".jpg" || ext == ".jpeg")
    ok = stbi_write_jpg_to_func(append_bytes, &bytes, image.width, image.height, 3, image.rgb.data(), jpeg_quality);
  else
    throw file_error(path, "unknown image extension '" + ext + "' (use .png or .jpg)");
  if (!ok) throw file_error(path, "image encoding failed");
  write_file_atomically(path, bytes);
}

}  // namespace viva
