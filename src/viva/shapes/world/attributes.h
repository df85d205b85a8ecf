#pragma once
// ShapesWorld's discrete vocabulary (viva.md §3): the named values a scene graph is built from,
// with their canonical names (the words scene JSON files use).
#include <string>
#include <vector>

namespace viva::shapes {

enum class Colour { Red, Orange, Yellow, Green, Cyan, Blue, Purple, Pink, White, Black };
enum class ShapeKind { Circle, Square, Triangle, Diamond, Star, Cross, Ring };
enum class Texture { Solid, Striped, Dotted, Outlined };
enum class SizeClass { Small, Large };
// Gradients (sky, grass, sand, night) and solid colours (grey, cream).
enum class Background { Sky, Grass, Sand, Night, Grey, Cream };
enum class Weather { None, Rain, Snow, Fog };
// Global stylisations; they appear only in one-frame image pairs.
enum class Style { None, Sketch, Pixelate, Posterise, Invert, Grayscale };

const std::vector<Colour>& all_colours();
const std::vector<ShapeKind>& all_shapes();
const std::vector<Texture>& all_textures();
const std::vector<Background>& all_backgrounds();
const std::vector<Weather>& all_weathers();
const std::vector<Style>& all_styles();  // without Style::None

const char* name_of(Colour c);
const char* name_of(ShapeKind s);
const char* name_of(Texture t);
const char* name_of(SizeClass s);
const char* name_of(Background b);
const char* name_of(Weather w);
const char* name_of(Style s);

// Canonical name -> value; an unknown name throws viva::Error listing the accepted ones.
Colour parse_colour(const std::string& name);
ShapeKind parse_shape(const std::string& name);
Texture parse_texture(const std::string& name);
SizeClass parse_size_class(const std::string& name);
Background parse_background(const std::string& name);
Weather parse_weather(const std::string& name);
Style parse_style(const std::string& name);

}  // namespace viva::shapes
