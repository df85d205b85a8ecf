#pragma once
// ShapesWorld's splits (viva.md §3). Every 20th pair (index 5 mod 20) is validation, index 10 mod
// 20 test, index 15 mod 20 hybrid, the rest train: exact shares of 85/5/5/5 % for any seed.
//
// Held out for the test split: ten colour x shape combinations (one per colour). Train and
// validation scenes never contain them anywhere (source, target or reference); every test pair's
// edit creates one (the added, replaced or recoloured object is a held-out combination). Hybrid
// pairs (two or three operations in one instruction) appear only in the hybrid split and never
// contain a held-out combination either.
#include <cstdint>
#include <utility>
#include <vector>

#include "viva/shapes/world/attributes.h"

namespace viva::shapes {

enum class Split { Train, Validation, Test, Hybrid };

const char* name_of(Split split);
Split split_for_index(int64_t index);

const std::vector<std::pair<Colour, ShapeKind>>& held_out_combinations();
bool is_held_out(Colour colour, ShapeKind shape);

}  // namespace viva::shapes
