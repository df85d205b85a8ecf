#pragma once
// String helpers C++17 lacks.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>

namespace viva {

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "a, b, c": the items of any container of strings (or C strings) with a separator between them.
template <class Container>
std::string join(const Container& items, const std::string& separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + std::string(item);
  return out;
}

// The path's extension, lower-cased (".PNG" -> ".png").
inline std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

}  // namespace viva
