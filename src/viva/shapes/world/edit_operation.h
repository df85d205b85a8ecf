#pragma once
// One edit of a scene graph: what the instruction asks for, applied exactly. A pair's target scene
// is its source with the pair's operations applied in order.
#include <nlohmann/json_fwd.hpp>

#include "viva/shapes/world/scene.h"

namespace viva::shapes {

enum class EditKind { Add, Remove, Replace, Recolour, Resize, Retexture, Background, Weather, Style };

const char* name_of(EditKind kind);

struct EditOperation {
  EditKind kind = EditKind::Add;
  int object_id = -1;                        // the object added, removed or changed
  ShapeObject object;                        // Add, Replace, Recolour, Resize, Retexture: the object after the edit
  Background background = Background::Grey;  // Background: the new one
  Weather weather = Weather::None;           // Weather: the new one (None removes it)
  Style style = Style::None;                 // Style
  bool from_reference = false;               // the new look is shown by a reference image, not named
};

bool is_object_edit(EditKind kind);  // touches one object (vs the whole frame)

// Throws viva::Error when the operation names an object the scene does not hold.
Scene apply_edit(const Scene& before, const EditOperation& op);
// The operation that takes apply_edit(before, op) back to `before` (Style has none: throws).
EditOperation inverse_edit(const Scene& before, const EditOperation& op);

nlohmann::json to_json(const EditOperation& op, int width, int height);

}  // namespace viva::shapes
