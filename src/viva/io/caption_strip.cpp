#include "viva/io/caption_strip.h"

#include <stb_easy_font.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace viva {
namespace {

constexpr int kLineHeight = 12;  // stb_easy_font's line advance, in font pixels
constexpr uint8_t kBackground = 32;
constexpr uint8_t kForeground = 235;

std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out.push_back(c >= 32 && c < 127 ? static_cast<char>(c) : (c == '\n' ? ' ' : '?'));
  return out;
}

int text_width(const std::string& text) { return stb_easy_font_width(const_cast<char*>(text.c_str())); }

// Greedy word wrap to `max_width` font pixels; a word longer than a line is cut.
std::vector<std::string> wrap(const std::string& text, int max_width) {
  std::vector<std::string> lines;
  std::istringstream words(text);
  std::string word, line;
  while (words >> word) {
    while (text_width(word) > max_width && word.size() > 1) {
      std::size_t n = word.size();
      while (n > 1 && text_width(word.substr(0, n)) > max_width) --n;
      if (!line.empty()) lines.push_back(line), line.clear();
      lines.push_back(word.substr(0, n));
      word = word.substr(n);
    }
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (text_width(candidate) <= max_width || line.empty()) {
      line = candidate;
    } else {
      lines.push_back(line);
      line = word;
    }
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

}  // namespace

Image render_caption(const std::string& text, int width) {
  const int scale = std::max(1, width / 320);
  const int margin = 4;
  const int usable = std::max(8, width / scale - 2 * margin);
  const std::vector<std::string> lines = wrap(printable(text), usable);
  int height = (static_cast<int>(lines.size()) * kLineHeight + 2 * margin) * scale;
  height += height % 2;
  Image strip(width, height, kBackground);

  std::vector<char> vertices(64 * 1024);
  unsigned char color[4] = {255, 255, 255, 255};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    const int quads = stb_easy_font_print(static_cast<float>(margin), static_cast<float>(margin + i * kLineHeight),
                                          line.data(), color, vertices.data(), static_cast<int>(vertices.size()));
    // Each quad is 4 vertices of {float x, y, z; uint8 rgba[4]}: an axis-aligned rectangle.
    for (int q = 0; q < quads; ++q) {
      const float* v0 = reinterpret_cast<const float*>(vertices.data() + q * 64);
      const float* v2 = reinterpret_cast<const float*>(vertices.data() + q * 64 + 32);
      const int x0 = static_cast<int>(v0[0] * scale), y0 = static_cast<int>(v0[1] * scale);
      const int x1 = static_cast<int>(v2[0] * scale), y1 = static_cast<int>(v2[1] * scale);
      for (int y = std::max(0, y0); y < std::min(height, y1); ++y)
        for (int x = std::max(0, x0); x < std::min(width, x1); ++x) {
          uint8_t* p = strip.at(x, y);
          p[0] = p[1] = p[2] = kForeground;
        }
    }
  }
  return strip;
}

}  // namespace viva
