#pragma once
// `viva data check`: every problem of a manifest, row by row, without decoding whole videos:
// unparsable lines, missing or unreadable media, size or frame-count mismatches between source,
// target and mask, image rows with more than one frame, empty instructions, unknown tasks.
#include <string>
#include <vector>

#include "viva/data/manifest.h"

namespace viva {

struct ManifestCheck {
  int64_t rows = 0;                       // non-blank lines
  std::vector<ManifestProblem> problems;  // one entry per problem, in line order
  int64_t bad_rows() const;
};

ManifestCheck check_manifest(const std::string& path);

}  // namespace viva
