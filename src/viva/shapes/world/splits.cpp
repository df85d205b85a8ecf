#include "viva/shapes/world/splits.h"

#include <algorithm>

namespace viva::shapes {

const char* name_of(Split split) {
  switch (split) {
    case Split::Train:
      return "train";
    case Split::Validation:
      return "validation";
    case Split::Test:
      return "test";
    case Split::Hybrid:
      return "hybrid";
  }
  return "train";
}

Split split_for_index(int64_t index) {
  switch (index % 20) {
    case 5:
      return Split::Validation;
    case 10:
      return Split::Test;
    case 15:
      return Split::Hybrid;
    default:
      return Split::Train;
  }
}

const std::vector<std::pair<Colour, ShapeKind>>& held_out_combinations() {
  static const std::vector<std::pair<Colour, ShapeKind>> combos = {
      {Colour::Red, ShapeKind::Star},      {Colour::Orange, ShapeKind::Cross}, {Colour::Yellow, ShapeKind::Square},
      {Colour::Green, ShapeKind::Diamond}, {Colour::Cyan, ShapeKind::Ring},    {Colour::Blue, ShapeKind::Triangle},
      {Colour::Purple, ShapeKind::Circle}, {Colour::Pink, ShapeKind::Square},  {Colour::White, ShapeKind::Triangle},
      {Colour::Black, ShapeKind::Star},
  };
  return combos;
}

bool is_held_out(Colour colour, ShapeKind shape) {
  const auto& combos = held_out_combinations();
  return std::find(combos.begin(), combos.end(), std::make_pair(colour, shape)) != combos.end();
}

}  // namespace viva::shapes
