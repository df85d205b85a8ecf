#include "viva/shapes/world/edit_operation.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "viva/core/error.h"

namespace viva::shapes {

const char* name_of(EditKind kind) {
  switch (kind) {
    case EditKind::Add:
      return "add";
    case EditKind::Remove:
      return "remove";
    case EditKind::Replace:
      return "replace";
    case EditKind::Recolour:
      return "recolour";
    case EditKind::Resize:
      return "resize";
    case EditKind::Retexture:
      return "retexture";
    case EditKind::Background:
      return "background";
    case EditKind::Weather:
      return "weather";
    case EditKind::Style:
      return "style";
  }
  return "?";
}

bool is_object_edit(EditKind kind) {
  return kind != EditKind::Background && kind != EditKind::Weather && kind != EditKind::Style;
}

Scene apply_edit(const Scene& before, const EditOperation& op) {
  Scene after = before;
  auto it = std::find_if(after.objects.begin(), after.objects.end(),
                         [&](const ShapeObject& o) { return o.id == op.object_id; });
  const bool needs_object = is_object_edit(op.kind) && op.kind != EditKind::Add;
  if (needs_object && it == after.objects.end())
    throw Error(std::string("edit ") + name_of(op.kind) + ": the scene has no object " + std::to_string(op.object_id));
  switch (op.kind) {
    case EditKind::Add: {
      if (it != after.objects.end()) throw Error("edit add: object " + std::to_string(op.object_id) + " exists");
      ShapeObject added = op.object;
      added.id = op.object_id;
      // Objects stay in id order, so removing and re-adding one gives back the same scene.
      const auto at = std::find_if(after.objects.begin(), after.objects.end(),
                                   [&](const ShapeObject& o) { return o.id > added.id; });
      after.objects.insert(at, added);
      break;
    }
    case EditKind::Remove:
      after.objects.erase(it);
      break;
    case EditKind::Replace:
    case EditKind::Recolour:
    case EditKind::Resize:
    case EditKind::Retexture:
      *it = op.object;
      it->id = op.object_id;
      break;
    case EditKind::Background:
      after.background = op.background;
      break;
    case EditKind::Weather:
      after.weather = op.weather;
      break;
    case EditKind::Style:
      after.style = op.style;
      break;
  }
  return after;
}

EditOperation inverse_edit(const Scene& before, const EditOperation& op) {
  EditOperation inverse = op;
  inverse.from_reference = false;
  switch (op.kind) {
    case EditKind::Add:
      inverse.kind = EditKind::Remove;
      break;
    case EditKind::Remove:
      inverse.kind = EditKind::Add;
      inverse.object = *before.find(op.object_id);
      break;
    case EditKind::Replace:
    case EditKind::Recolour:
    case EditKind::Resize:
    case EditKind::Retexture: {
      const ShapeObject* original = before.find(op.object_id);
      if (!original)
        throw Error(std::string("edit ") + name_of(op.kind) + ": no object " + std::to_string(op.object_id));
      inverse.object = *original;
      break;
    }
    case EditKind::Background:
      inverse.background = before.background;
      break;
    case EditKind::Weather:
      inverse.weather = before.weather;
      break;
    case EditKind::Style:
      throw Error("a style edit has no inverse");
  }
  return inverse;
}

nlohmann::json to_json(const EditOperation& op, int width, int height) {
  nlohmann::json j = {{"type", name_of(op.kind)}};
  switch (op.kind) {
    case EditKind::Remove:
      j["object_id"] = op.object_id;
      break;
    case EditKind::Background:
      j["background"] = name_of(op.background);
      break;
    case EditKind::Weather:
      j["weather"] = name_of(op.weather);
      break;
    case EditKind::Style:
      j["style"] = name_of(op.style);
      break;
    default:
      j["object_id"] = op.object_id;
      j["object"] = to_json(op.object, width, height);
      break;
  }
  if (op.from_reference) j["from_reference"] = true;
  return j;
}

}  // namespace viva::shapes
