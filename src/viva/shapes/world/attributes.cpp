#include "viva/shapes/world/attributes.h"

#include <array>

#include "viva/core/error.h"
#include "viva/core/strings.h"

namespace viva::shapes {
namespace {

constexpr std::array<const char*, 10> kColourNames = {"red",  "orange", "yellow", "green", "cyan",
                                                      "blue", "purple", "pink",   "white", "black"};
constexpr std::array<const char*, 7> kShapeNames = {"circle", "square", "triangle", "diamond", "star", "cross", "ring"};
constexpr std::array<const char*, 4> kTextureNames = {"solid", "striped", "dotted", "outlined"};
constexpr std::array<const char*, 2> kSizeNames = {"small", "large"};
constexpr std::array<const char*, 6> kBackgroundNames = {"sky", "grass", "sand", "night", "grey", "cream"};
constexpr std::array<const char*, 4> kWeatherNames = {"none", "rain", "snow", "fog"};
constexpr std::array<const char*, 6> kStyleNames = {"none", "sketch", "pixelate", "posterise", "invert", "grayscale"};

template <class Enum, std::size_t N>
Enum parse_name(const std::array<const char*, N>& names, const std::string& name, const char* what) {
  for (std::size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<Enum>(i);
  throw Error(std::string("unknown ") + what + " '" + name + "' (expected one of: " + join(names) + ")");
}

template <class Enum, std::size_t N>
std::vector<Enum> every(std::size_t first = 0) {
  std::vector<Enum> values;
  for (std::size_t i = first; i < N; ++i) values.push_back(static_cast<Enum>(i));
  return values;
}

}  // namespace

const std::vector<Colour>& all_colours() {
  static const auto v = every<Colour, kColourNames.size()>();
  return v;
}
const std::vector<ShapeKind>& all_shapes() {
  static const auto v = every<ShapeKind, kShapeNames.size()>();
  return v;
}
const std::vector<Texture>& all_textures() {
  static const auto v = every<Texture, kTextureNames.size()>();
  return v;
}
const std::vector<Background>& all_backgrounds() {
  static const auto v = every<Background, kBackgroundNames.size()>();
  return v;
}
const std::vector<Weather>& all_weathers() {
  static const auto v = every<Weather, kWeatherNames.size()>();
  return v;
}
const std::vector<Style>& all_styles() {
  static const auto v = every<Style, kStyleNames.size()>(1);
  return v;
}

const char* name_of(Colour c) { return kColourNames.at(static_cast<std::size_t>(c)); }
const char* name_of(ShapeKind s) { return kShapeNames.at(static_cast<std::size_t>(s)); }
const char* name_of(Texture t) { return kTextureNames.at(static_cast<std::size_t>(t)); }
const char* name_of(SizeClass s) { return kSizeNames.at(static_cast<std::size_t>(s)); }
const char* name_of(Background b) { return kBackgroundNames.at(static_cast<std::size_t>(b)); }
const char* name_of(Weather w) { return kWeatherNames.at(static_cast<std::size_t>(w)); }
const char* name_of(Style s) { return kStyleNames.at(static_cast<std::size_t>(s)); }

Colour parse_colour(const std::string& name) { return parse_name<Colour>(kColourNames, name, "colour"); }
ShapeKind parse_shape(const std::string& name) { return parse_name<ShapeKind>(kShapeNames, name, "shape"); }
Texture parse_texture(const std::string& name) { return parse_name<Texture>(kTextureNames, name, "texture"); }
SizeClass parse_size_class(const std::string& name) { return parse_name<SizeClass>(kSizeNames, name, "size class"); }
Background parse_background(const std::string& name) {
  return parse_name<Background>(kBackgroundNames, name, "background");
}
Weather parse_weather(const std::string& name) { return parse_name<Weather>(kWeatherNames, name, "weather"); }
Style parse_style(const std::string& name) { return parse_name<Style>(kStyleNames, name, "style"); }

}  // namespace viva::shapes
