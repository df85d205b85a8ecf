// Stage 3 of pair generation (pair_stages.h): an edit of the real clip's scene graph, re-rendered.
#include <algorithm>

#include "viva/shapes/world/pair_stages.h"
#include "viva/shapes/world/palette.h"

namespace viva::shapes {
namespace {

using Operation = std::optional<EditOperation>;

std::optional<ShapeObject> pick_object(Rng& rng, const Scene& scene, const std::vector<int>& taken = {}) {
  std::vector<const ShapeObject*> free;
  for (const ShapeObject& o : scene.objects)
    if (std::find(taken.begin(), taken.end(), o.id) == taken.end()) free.push_back(&o);
  if (free.empty()) return std::nullopt;
  return *rng.pick(free);
}

int front_depth(const Scene& scene) {
  int depth = 0;
  for (const ShapeObject& o : scene.objects) depth = std::max(depth, o.depth + 1);
  return depth;
}

bool all_visible(const Scene& scene, Background b, Weather w) {
  return std::all_of(scene.objects.begin(), scene.objects.end(),
                     [&](const ShapeObject& o) { return object_visible(o.colour, o.texture, b, w); });
}

Operation add_object(Rng& rng, const Scene& scene, LookRequest request, bool from_reference) {
  if (from_reference) {
    request.textured = true;             // a distinctive look the instruction does not name
    request.not_colour = Colour::White;  // the reference backdrop is near white
  }
  std::optional<ShapeObject> look = sample_look(rng, scene, request);
  if (!look) return std::nullopt;
  look->id = scene.next_object_id();
  look->depth = front_depth(scene);
  if (!place_object(rng, scene, *look)) return std::nullopt;
  EditOperation op;
  op.kind = EditKind::Add;
  op.object_id = look->id;
  op.object = *look;
  op.from_reference = from_reference;
  return op;
}

// The new object takes the old one's place and motion.
ShapeObject in_place_of(const ShapeObject& old, ShapeObject look) {
  const double size = look.size;
  const Colour colour = look.colour;
  const ShapeKind shape = look.shape;
  const Texture texture = look.texture;
  look = old;
  look.size = size;
  look.colour = colour;
  look.shape = shape;
  look.texture = texture;
  return look;
}

Operation replace_object(Rng& rng, const Scene& scene, const ShapeObject& old, HeldOut held_out, bool from_reference) {
  LookRequest request;
  request.held_out = held_out;
  const SizeClass old_class = size_class_of(old.size, scene.width, scene.height);
  // A quarter of the replacements grow a small object: the edit reaches outside the old mask.
  const bool grow = !from_reference && old_class == SizeClass::Small && rng.chance(0.25);
  request.size_class = grow ? SizeClass::Large : old_class;
  if (from_reference) {
    request.textured = true;
    request.not_colour = Colour::White;
  } else {
    if (held_out != HeldOut::Require && rng.chance(0.4)) request.colour = old.colour;
    if (rng.chance(0.7) && old.texture != Texture::Solid)
      request.texture = old.texture;
    else if (rng.chance(0.7))
      request.texture = Texture::Solid;
  }
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::optional<ShapeObject> look = sample_look(rng, scene, request);
    if (!look) return std::nullopt;
    if (!from_reference && look->shape == old.shape) continue;
    if (from_reference && look->same_look(old, scene.width, scene.height)) continue;
    if (!grow) look->size = old.size;
    EditOperation op;
    op.kind = EditKind::Replace;
    op.object_id = old.id;
    op.object = in_place_of(old, *look);
    op.from_reference = from_reference;
    if (!clear_of_others(scene, op.object)) return std::nullopt;
    return op;
  }
  return std::nullopt;
}

Operation recolour(Rng& rng, const Scene& scene, const ShapeObject& old, HeldOut held_out) {
  std::vector<Colour> colours;
  for (Colour c : all_colours()) {
    if (c == old.colour || !object_visible(c, old.texture, scene.background, scene.weather)) continue;
    const bool held = is_held_out(c, old.shape);
    if ((held_out == HeldOut::Exclude && held) || (held_out == HeldOut::Require && !held)) continue;
    colours.push_back(c);
  }
  if (colours.empty()) return std::nullopt;
  EditOperation op;
  op.kind = EditKind::Recolour;
  op.object_id = old.id;
  op.object = old;
  op.object.colour = rng.pick(colours);
  return op;
}

Operation resize(Rng& rng, const Scene& scene, const ShapeObject& old) {
  const SizeClass now = size_class_of(old.size, scene.width, scene.height);
  const SizeRange range =
      size_range(now == SizeClass::Small ? SizeClass::Large : SizeClass::Small, scene.width, scene.height);
  EditOperation op;
  op.kind = EditKind::Resize;
  op.object_id = old.id;
  op.object = old;
  op.object.size = rng.uniform(range.lo, range.hi);
  if (!clear_of_others(scene, op.object)) return std::nullopt;
  return op;
}

Operation retexture(Rng& rng, const Scene& scene, const ShapeObject& old) {
  std::vector<Texture> textures;
  for (Texture t : all_textures())
    if (t != old.texture && texture_allowed(old.shape, t) &&
        object_visible(old.colour, t, scene.background, scene.weather))
      textures.push_back(t);
  if (textures.empty()) return std::nullopt;
  EditOperation op;
  op.kind = EditKind::Retexture;
  op.object_id = old.id;
  op.object = old;
  op.object.texture = rng.pick(textures);
  return op;
}

Operation change_background(Rng& rng, const Scene& scene) {
  std::vector<Background> choices;
  for (Background b : all_backgrounds())
    if (b != scene.background && weather_allowed(b, scene.weather) && all_visible(scene, b, scene.weather))
      choices.push_back(b);
  if (choices.empty()) return std::nullopt;
  EditOperation op;
  op.kind = EditKind::Background;
  op.background = rng.pick(choices);
  return op;
}

Operation change_weather(Rng& rng, const Scene& scene) {
  std::vector<Weather> choices;
  for (Weather w : all_weathers())
    if (w != scene.weather && weather_allowed(scene.background, w) && all_visible(scene, scene.background, w))
      choices.push_back(w);
  if (choices.empty()) return std::nullopt;
  EditOperation op;
  op.kind = EditKind::Weather;
  // Clearing the weather is the most common weather edit when there is weather to clear.
  const bool clear = scene.weather != Weather::None && rng.chance(0.7);
  op.weather = clear ? Weather::None : rng.pick(choices);
  return op;
}

Operation change_attribute(Rng& rng, const Scene& scene, const ShapeObject& old, HeldOut held_out) {
  if (held_out == HeldOut::Require) return recolour(rng, scene, old, held_out);
  switch (rng.weighted({0.5, 0.25, 0.25})) {
    case 0:
      return recolour(rng, scene, old, held_out);
    case 1:
      return resize(rng, scene, old);
    default:
      return retexture(rng, scene, old);
  }
}

// Two or three different kinds of operation, each on its own object, applied in turn.
std::vector<EditOperation> hybrid_operations(Rng& rng, const Scene& real) {
  std::vector<EditKind> kinds = {EditKind::Add,    EditKind::Remove,    EditKind::Replace,    EditKind::Recolour,
                                 EditKind::Resize, EditKind::Retexture, EditKind::Background, EditKind::Weather};
  const int wanted = rng.chance(0.6) ? 2 : 3;
  std::vector<EditOperation> ops;
  std::vector<int> touched;
  Scene scene = real;
  for (int tries = 0; tries < 20 && static_cast<int>(ops.size()) < wanted && !kinds.empty(); ++tries) {
    const std::size_t k = static_cast<std::size_t>(rng.below(static_cast<int>(kinds.size())));
    const EditKind kind = kinds[k];
    Operation op;
    if (kind == EditKind::Add) {
      op = add_object(rng, scene, LookRequest{}, false);
    } else if (kind == EditKind::Background) {
      op = change_background(rng, scene);
    } else if (kind == EditKind::Weather) {
      op = change_weather(rng, scene);
    } else {
      // Object edits name objects of the source clip, each at most once.
      std::vector<int> not_in_source = touched;
      for (const ShapeObject& o : scene.objects)
        if (!real.find(o.id)) not_in_source.push_back(o.id);
      const std::optional<ShapeObject> old = pick_object(rng, scene, not_in_source);
      if (!old) continue;
      switch (kind) {
        case EditKind::Remove:
          op = EditOperation{EditKind::Remove, old->id, *old};
          break;
        case EditKind::Replace:
          op = replace_object(rng, scene, *old, HeldOut::Exclude, false);
          break;
        case EditKind::Recolour:
          op = recolour(rng, scene, *old, HeldOut::Exclude);
          break;
        case EditKind::Resize:
          op = resize(rng, scene, *old);
          break;
        default:
          op = retexture(rng, scene, *old);
          break;
      }
    }
    if (!op) continue;
    if (is_object_edit(op->kind)) touched.push_back(op->object_id);
    scene = apply_edit(scene, *op);
    ops.push_back(*op);
    kinds.erase(kinds.begin() + static_cast<std::ptrdiff_t>(k));
  }
  if (static_cast<int>(ops.size()) < 2) ops.clear();
  return ops;
}

}  // namespace

std::optional<SynthesisedEdit> synthesise_edit(const TrackedClip& real, Recipe recipe, Split split, Rng& rng) {
  const Scene& scene = real.scene;
  // Test pairs create a held-out colour x shape combination; no other pair ever shows one.
  const HeldOut held_out = split == Split::Test ? HeldOut::Require : HeldOut::Exclude;
  LookRequest request;
  request.held_out = held_out;
  std::vector<EditOperation> ops;
  auto push = [&](const Operation& op) {
    if (op) ops.push_back(*op);
  };
  const std::optional<ShapeObject> old = pick_object(rng, scene);
  switch (recipe) {
    case Recipe::AddObject:
      push(add_object(rng, scene, request, false));
      break;
    case Recipe::ReferenceAdd:
      push(add_object(rng, scene, request, true));
      break;
    case Recipe::ReplaceObject:
      if (old) push(replace_object(rng, scene, *old, held_out, false));
      break;
    case Recipe::ReferenceReplace:
      if (old) push(replace_object(rng, scene, *old, held_out, true));
      break;
    case Recipe::ChangeAttribute:
      if (old) push(change_attribute(rng, scene, *old, held_out));
      break;
    case Recipe::ChangeBackground:
      push(change_background(rng, scene));
      break;
    case Recipe::ChangeWeather:
      push(change_weather(rng, scene));
      break;
    case Recipe::Stylise: {
      EditOperation op;
      op.kind = EditKind::Style;
      op.style = rng.pick(all_styles());
      ops.push_back(op);
      break;
    }
    case Recipe::Hybrid:
      ops = hybrid_operations(rng, scene);
      break;
  }
  if (ops.empty()) return std::nullopt;
  SynthesisedEdit edit;
  edit.operations = ops;
  edit.scene = scene;
  for (const EditOperation& op : ops) edit.scene = apply_edit(edit.scene, op);
  edit.render = render_scene(edit.scene);
  if (recipe == Recipe::ReferenceAdd || recipe == Recipe::ReferenceReplace) edit.reference = ops.front().object;
  return edit;
}

}  // namespace viva::shapes
