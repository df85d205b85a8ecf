#pragma once
// Instruction rewriting, the first VLM stage of the paper's data filtering (§3.4): synthesised
// pairs come with a templated instruction ("replace dog with cat"); a VLM that sees both clips
// and their captions writes the instruction a person would give.
#include <string>
#include <vector>

#include "viva/vlm/vlm_client.h"

namespace viva {

struct RewriteInput {
  std::string task;                   // e.g. "replace"; may be empty
  std::string templated_instruction;  // may be empty
  // The templated instruction describes the opposite edit (target -> source): the pair was
  // flipped and the instruction must be written for the new direction.
  bool template_is_reversed = false;
  std::string source_caption, target_caption;  // may be empty
  std::vector<Image> source_frames;            // evenly spaced, time order
  std::vector<Image> target_frames;            // the same moments of the edited clip
};

VlmPrompt build_rewrite_prompt(const RewriteInput& input);
std::vector<ReplyField> rewrite_reply_schema();

struct RewriteResult {
  std::string instruction;
  int attempts = 0;
};

RewriteResult rewrite_instruction(const VlmClient& client, const RewriteInput& input);

}  // namespace viva
