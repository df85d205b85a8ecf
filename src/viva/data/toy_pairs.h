#pragma once
// A handful of synthetic editing pairs for tests and benchmarks, with exact masks: a smooth clip
// (gradient and a moving disc), and as target the same clip with its colours inverted in a box. Half are
// videos, half one-frame images. (ShapesWorld is the real procedural world; this is its stub-free
// smallest cousin for checking the training machinery.)
#include <string>

namespace viva {

// Writes <folder>/pair<i>_{source,target,mask}.mkv and <folder>/manifest.jsonl; returns the
// manifest's path.
std::string write_inversion_pairs(const std::string& folder, int count, int size = 64, int frames = 9);

}  // namespace viva
