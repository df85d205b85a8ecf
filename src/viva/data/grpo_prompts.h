#pragma once
// The Edit-GRPO prompts (the paper's triplets: V_src, t_src, t_edit, plus the instruction), one
// JSON object a line: {"id", "source", "instruction", "source_caption", "target_caption",
// "reference"?, "split"?}. A dataset manifest has these fields too, so either file serves.
// Paths are relative to the file's folder.
#include <cstdint>
#include <string>
#include <vector>

namespace viva {

struct GrpoPrompt {
  int64_t line = 0;
  std::string id, source, reference, instruction, source_caption, target_caption, split;
};

// The rows whose split is `split` (rows without one count as "train"; "" keeps all). A line
// that is not a usable prompt is an error naming the file and line.
std::vector<GrpoPrompt> read_grpo_prompts(const std::string& path, const std::string& split = "train");

}  // namespace viva
