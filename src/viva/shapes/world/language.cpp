#include "viva/shapes/world/language.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace viva::shapes {
namespace {

using Words = std::vector<std::string>;

std::string pick(Rng& rng, const Words& words) { return rng.pick(words); }

std::string with_article(const std::string& phrase) {
  const char first = phrase.empty() ? 'x' : static_cast<char>(std::tolower(static_cast<unsigned char>(phrase[0])));
  return (std::string("aeiou").find(first) != std::string::npos ? "an " : "a ") + phrase;
}

std::string join(const Words& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

std::string list_of(const Words& items) {
  if (items.empty()) return "";
  std::string out = items[0];
  for (std::size_t i = 1; i < items.size(); ++i) out += (i + 1 == items.size() ? " and " : ", ") + items[i];
  return out;
}

std::string shape_word(ShapeKind s, Rng& rng) {
  switch (s) {
    case ShapeKind::Circle:
      return pick(rng, {"circle", "ball", "disk", "disc"});
    case ShapeKind::Square:
      return pick(rng, {"square", "box", "block"});
    case ShapeKind::Triangle:
      return "triangle";
    case ShapeKind::Diamond:
      return pick(rng, {"diamond", "rhombus"});
    case ShapeKind::Star:
      return "star";
    case ShapeKind::Cross:
      return pick(rng, {"cross", "plus sign"});
    case ShapeKind::Ring:
      return pick(rng, {"ring", "donut", "hoop"});
  }
  return "shape";
}

std::string colour_word(Colour c, Rng& rng) {
  if (c == Colour::Purple) return pick(rng, {"purple", "violet"});
  return name_of(c);
}

std::string size_word(SizeClass s, Rng& rng) {
  return s == SizeClass::Small ? pick(rng, {"small", "little", "tiny"}) : pick(rng, {"large", "big"});
}

// Texture as an adjective; solid is unmarked unless `say_solid`.
std::string texture_word(Texture t, Rng& rng, bool say_solid = false) {
  switch (t) {
    case Texture::Solid:
      return say_solid ? pick(rng, {"plain", "solid"}) : "";
    case Texture::Striped:
      return "striped";
    case Texture::Dotted:
      return pick(rng, {"dotted", "spotted", "polka-dot"});
    case Texture::Outlined:
      return "outlined";
  }
  return "";
}

std::string background_phrase(Background b, Rng& rng) {
  switch (b) {
    case Background::Sky:
      return pick(rng, {"a blue sky", "the sky", "a clear blue sky"});
    case Background::Grass:
      return pick(rng, {"green grass", "a grassy field", "a lawn"});
    case Background::Sand:
      return pick(rng, {"sand", "a sandy beach", "the desert sand"});
    case Background::Night:
      return pick(rng, {"a night sky", "the dark night sky"});
    case Background::Grey:
      return pick(rng, {"a plain grey background", "a grey backdrop", "a gray background"});
    case Background::Cream:
      return pick(rng, {"a cream backdrop", "a plain cream background"});
  }
  return "a background";
}

std::string weather_phrase(Weather w, Rng& rng) {
  switch (w) {
    case Weather::None:
      return "";
    case Weather::Rain:
      return pick(rng, {" in the rain", " while it rains", " in pouring rain"});
    case Weather::Snow:
      return pick(rng, {" in falling snow", " while it snows", " in a snowfall"});
    case Weather::Fog:
      return pick(rng, {" in thick fog", " on a foggy day", " in the fog"});
  }
  return "";
}

std::string style_phrase(Style s, Rng& rng) {
  switch (s) {
    case Style::None:
      return "";
    case Style::Sketch:
      return pick(rng, {", drawn as a pencil sketch", ", as a line drawing"});
    case Style::Pixelate:
      return pick(rng, {", pixelated", ", in big blocky pixels"});
    case Style::Posterise:
      return pick(rng, {", posterised", ", in a few flat colours"});
    case Style::Invert:
      return pick(rng, {", with inverted colours", ", as a colour negative"});
    case Style::Grayscale:
      return pick(rng, {", in black and white", ", in grayscale"});
  }
  return "";
}

SizeClass class_of(const Scene& scene, const ShapeObject& o) {
  return size_class_of(o.size, scene.width, scene.height);
}

// Which attributes a name uses.
struct NameParts {
  bool colour = false, texture = false, size = false;
};

bool matches(const Scene& scene, const ShapeObject& a, const ShapeObject& b, const NameParts& parts) {
  return a.shape == b.shape && (!parts.colour || a.colour == b.colour) && (!parts.texture || a.texture == b.texture) &&
         (!parts.size || class_of(scene, a) == class_of(scene, b));
}

std::vector<const ShapeObject*> alike(const Scene& scene, const ShapeObject& target, const NameParts& parts) {
  std::vector<const ShapeObject*> out;
  for (const ShapeObject& o : scene.objects)
    if (matches(scene, o, target, parts)) out.push_back(&o);
  return out;
}

std::string name_with(const Scene& scene, const ShapeObject& o, const NameParts& parts, Rng& rng) {
  return join({parts.size ? size_word(class_of(scene, o), rng) : "", parts.colour ? colour_word(o.colour, rng) : "",
               parts.texture ? texture_word(o.texture, rng, true) : "", shape_word(o.shape, rng)});
}

// "on the left" / "at the top" when the object is clearly apart from every look-alike along an axis.
std::optional<std::string> position_words(const Scene& scene, const ShapeObject& target,
                                          const std::vector<const ShapeObject*>& others) {
  const double apart_x = 0.15 * scene.width, apart_y = 0.15 * scene.height;
  bool left = true, right = true, top = true, bottom = true;
  for (const ShapeObject* o : others) {
    if (o->id == target.id) continue;
    left = left && target.x + apart_x <= o->x;
    right = right && target.x >= o->x + apart_x;
    top = top && target.y + apart_y <= o->y;
    bottom = bottom && target.y >= o->y + apart_y;
  }
  if (left) return std::string("on the left");
  if (right) return std::string("on the right");
  if (top) return std::string("at the top");
  if (bottom) return std::string("at the bottom");
  return std::nullopt;
}

std::string new_look_phrase(const Scene& scene, const ShapeObject& before, const ShapeObject& after, Rng& rng) {
  const bool size_changed = class_of(scene, before) != class_of(scene, after);
  const bool say_texture = after.texture != Texture::Solid || before.texture != Texture::Solid;
  return with_article(join({size_changed ? size_word(class_of(scene, after), rng) : "", colour_word(after.colour, rng),
                            say_texture ? texture_word(after.texture, rng, true) : "", shape_word(after.shape, rng)}));
}

std::string reference_noun(Rng& rng) {
  return pick(rng, {"the object from the reference image", "the shape shown in the reference image",
                    "the object in the reference image"});
}

std::string scene_word(const Scene& scene, Rng& rng) {
  return scene.frames > 1 ? pick(rng, {"scene", "video", "clip"}) : pick(rng, {"scene", "picture", "image"});
}

std::string add_clause(const Scene& before, const EditOperation& op, Rng& rng) {
  if (op.from_reference) {
    const std::string size = size_word(class_of(before, op.object), rng);
    switch (rng.below(3)) {
      case 0:
        return "add " + with_article(size) + " copy of " + reference_noun(rng);
      case 1: {
        // C++ leaves the order of a call's arguments (operator+ too) open: where one expression
        // would draw twice, the draws are spelled out in the order GCC took when the datasets so
        // far were made, so that one seed gives one dataset under any compiler.
        const std::string where = scene_word(before, rng);
        return "put " + with_article(size) + " version of " + reference_noun(rng) + " into the " + where;
      }
      default:
        return "insert " + reference_noun(rng) + ", " + size;
    }
  }
  const std::string thing = object_phrase(op.object, before.width, before.height, rng);
  switch (rng.below(4)) {
    case 0:
      return "add " + thing;
    case 1:
      return "insert " + thing;
    case 2:
      return "put " + thing + " in the " + scene_word(before, rng);
    default:
      return "place " + thing + " somewhere in the " + scene_word(before, rng);
  }
}

std::string weather_clause(Weather from, Weather to, Rng& rng) {
  if (from == Weather::None) {
    switch (to) {
      case Weather::Rain:
        return pick(rng, {"make it rain", "add rain", "add falling rain"});
      case Weather::Snow:
        return pick(rng, {"make it snow", "add falling snow", "add snowfall"});
      case Weather::Fog:
        return pick(rng, {"add fog", "make it foggy", "cover the scene in fog"});
      case Weather::None:
        break;
    }
  }
  if (to == Weather::None) {
    switch (from) {
      case Weather::Rain:
        return pick(rng, {"stop the rain", "remove the rain", "make the rain stop"});
      case Weather::Snow:
        return pick(rng, {"stop the snow", "remove the snow", "make it stop snowing"});
      case Weather::Fog:
        return pick(rng, {"clear the fog", "remove the fog", "make the fog lift"});
      case Weather::None:
        break;
    }
  }
  const std::string a = name_of(from), b = name_of(to);
  return pick(rng, {"turn the " + a + " into " + b, "replace the " + a + " with " + b,
                    "change the weather from " + a + " to " + b});
}

std::string style_clause(Style s, Rng& rng) {
  switch (s) {
    case Style::Sketch:
      return pick(
          rng, {"turn it into a pencil sketch", "make it look like a sketch", "redraw the picture as a line drawing"});
    case Style::Pixelate:
      return pick(rng, {"pixelate the image", "make it look pixelated", "render it in big pixels"});
    case Style::Posterise:
      return pick(rng, {"posterise the image", "reduce the picture to a few flat colours", "posterize it"});
    case Style::Invert:
      return pick(rng, {"invert the colours", "make it look like a colour negative", "invert the image"});
    case Style::Grayscale:
      return pick(rng, {"make it black and white", "convert the picture to grayscale", "remove all colour"});
    case Style::None:
      break;
  }
  return "leave it as it is";
}

std::string texture_clause(const std::string& ref, Texture t, Rng& rng) {
  switch (t) {
    case Texture::Striped:
      return pick(rng, {"give " + ref + " stripes", "make " + ref + " striped", "paint stripes on " + ref});
    case Texture::Dotted:
      return pick(rng, {"give " + ref + " polka dots", "make " + ref + " dotted", "cover " + ref + " in dots"});
    case Texture::Outlined:
      return pick(rng, {"give " + ref + " an outline", "outline " + ref, "draw an outline around " + ref});
    case Texture::Solid:
      return pick(rng, {"make " + ref + " plain", "remove the pattern from " + ref, "make " + ref + " a solid colour"});
  }
  return "";
}

}  // namespace

std::string object_phrase(const ShapeObject& o, int width, int height, Rng& rng) {
  return with_article(join({size_word(size_class_of(o.size, width, height), rng), colour_word(o.colour, rng),
                            texture_word(o.texture, rng), shape_word(o.shape, rng)}));
}

std::string scene_caption(const Scene& scene, Rng& rng) {
  std::vector<std::string> things;
  for (const ShapeObject& o : scene.objects) things.push_back(object_phrase(o, scene.width, scene.height, rng));
  const std::string where = background_phrase(scene.background, rng);
  std::string text;
  if (things.empty()) {
    text = where + " with no shapes" + weather_phrase(scene.weather, rng);
  } else {
    const bool one = things.size() == 1;
    std::string verb;
    if (scene.frames > 1)
      verb = one ? pick(rng, {" bounces around on ", " moves across ", " drifts over "})
                 : pick(rng, {" bounce around on ", " move across ", " drift over "});
    else
      verb = pick(rng, {" on ", " in front of "});
    text = list_of(things) + verb + where + weather_phrase(scene.weather, rng);
  }
  text += style_phrase(scene.style, rng) + ".";
  text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text;
}

std::optional<std::string> referring_expression(const Scene& scene, int object_id, Rng& rng) {
  const ShapeObject* target = scene.find(object_id);
  if (!target) return std::nullopt;
  // From the barest name to the fullest; half the time skip the bare shape for variety.
  std::vector<NameParts> tries = {
      {false, false, false}, {true, false, false}, {true, true, false}, {true, false, true}, {true, true, true}};
  if (rng.chance(0.5)) tries.erase(tries.begin());
  for (const NameParts& parts : tries) {
    const auto same = alike(scene, *target, parts);
    if (same.size() != 1) continue;
    if (parts.size && !parts.texture && rng.chance(0.5)) {
      // Relative size reads more naturally when the only look-alike differs in size.
      const auto by_colour = alike(scene, *target, {true, false, false});
      if (by_colour.size() == 2) {
        const bool larger = class_of(scene, *target) == SizeClass::Large;
        // Drawn before the size word, spelled out as in add_clause.
        const std::string name = join({colour_word(target->colour, rng), shape_word(target->shape, rng)});
        return "the " + std::string(larger ? pick(rng, {"larger", "bigger"}) : "smaller") + " " + name;
      }
    }
    return "the " + name_with(scene, *target, parts, rng);
  }
  // Look-alikes in every attribute: tell them apart by where they are in the first frame.
  const NameParts full{true, true, true};
  const auto same = alike(scene, *target, full);
  if (const auto where = position_words(scene, *target, same))
    return "the " + name_with(scene, *target, full, rng) + " " + *where;
  return std::nullopt;
}

std::optional<std::string> instruction_clause(const Scene& before, const EditOperation& op, Rng& rng) {
  switch (op.kind) {
    case EditKind::Add:
      return add_clause(before, op, rng);
    case EditKind::Background: {
      const std::string bg = background_phrase(op.background, rng);
      return pick(rng, {"change the background to " + bg, "replace the background with " + bg,
                        "put everything on " + bg, "swap the background for " + bg});
    }
    case EditKind::Weather:
      return weather_clause(before.weather, op.weather, rng);
    case EditKind::Style:
      return style_clause(op.style, rng);
    default:
      break;
  }
  const std::optional<std::string> ref = referring_expression(before, op.object_id, rng);
  const ShapeObject* old = before.find(op.object_id);
  if (!ref || !old) return std::nullopt;
  switch (op.kind) {
    case EditKind::Remove:
      return pick(rng,
                  {"remove " + *ref, "delete " + *ref, "take " + *ref + " out", "get rid of " + *ref, "erase " + *ref});
    case EditKind::Replace: {
      if (op.from_reference)
        return pick(rng,
                    {"replace " + *ref + " with " + reference_noun(rng), "swap " + *ref + " for " + reference_noun(rng),
                     "turn " + *ref + " into " + reference_noun(rng)});
      const std::string look = new_look_phrase(before, *old, op.object, rng);
      return pick(rng, {"replace " + *ref + " with " + look, "swap " + *ref + " for " + look,
                        "turn " + *ref + " into " + look, "change " + *ref + " into " + look});
    }
    case EditKind::Recolour: {
      const std::string c = colour_word(op.object.colour, rng);
      return pick(rng,
                  {"make " + *ref + " " + c, "paint " + *ref + " " + c, "change the colour of " + *ref + " to " + c,
                   "turn " + *ref + " " + c, "recolour " + *ref + " " + c});
    }
    case EditKind::Resize:
      if (class_of(before, op.object) == SizeClass::Large)
        return pick(rng,
                    {"make " + *ref + " bigger", "make " + *ref + " larger", "enlarge " + *ref, "scale up " + *ref});
      return pick(rng, {"make " + *ref + " smaller", "shrink " + *ref, "scale down " + *ref});
    case EditKind::Retexture:
      return texture_clause(*ref, op.object.texture, rng);
    default:
      return std::nullopt;
  }
}

std::string instruction_sentence(const std::vector<std::string>& clauses) {
  std::string text = list_of(clauses);
  if (text.empty()) return text;
  text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text + ".";
}

}  // namespace viva::shapes
