#pragma once
// One ShapesWorld pair from its index: split, kind and recipe are drawn, then the stages of
// pair_stages.h run until the filter keeps a pair. Pair i depends only on (seed, i), so a dataset
// can be generated in any order, in parallel, and resumed.
//
// With edits_per_scene = K > 1, pairs K*s .. K*s + K-1 share scene s (its split, kind and real
// clip) and differ in their edits. A model then cannot tell the edit from the source alone: one
// trained on a single edit per scene learnt to recognise the training sources and to ignore the
// instruction (README, "Why the editor fails").
#include <array>
#include <cstdint>

#include "viva/shapes/world/pair_stages.h"

namespace viva::shapes {

struct PairGeneratorOptions {
  uint64_t seed = 0;
  int width = 64, height = 64, frames = 9;
  double fps = 8;
  double image_fraction = 0.3;  // share of one-frame image pairs (hybrid pairs are always videos)
  int max_attempts = 500;
  // A probe set, never training data: every pair is a video stylisation (which the training
  // data has only as image pairs), to measure whether editing types transfer from images.
  bool video_styles = false;
  int edits_per_scene = 1;

  PairGeneratorOptions& set_seed(uint64_t s) { seed = s; return *this; }
  PairGeneratorOptions& set_size(int w, int h) { width = w; height = h; return *this; }
  PairGeneratorOptions& set_frames(int f) { frames = f; return *this; }
  PairGeneratorOptions& set_image_fraction(double f) { image_fraction = f; return *this; }
};

inline constexpr int kRejectionKinds = 5;

struct GeneratedPair {
  ShapesPair pair;
  Recipe recipe = Recipe::AddObject;
  std::array<int64_t, kRejectionKinds> rejections{};  // by Rejection, of the tries before this pair
};

// Throws viva::Error when no try in max_attempts passes the filter (not seen with the defaults).
GeneratedPair generate_pair(int64_t index, const PairGeneratorOptions& options);

}  // namespace viva::shapes
