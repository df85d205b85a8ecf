#pragma once
// The VLM judge of the paper's evaluation (§4.2, App. D.4): a VLM sees the instruction,
// frames of the source video and of the edited video (and the reference image for reference
// edits) and scores the edit from 0 (worst) to 10 (best) on Instruction Following, Source Video
// Preservation, Editing Quality and, with a reference, Subject Similarity. The rubric follows
// the paper's Figure 14; the wording is ours.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "viva/vlm/vlm_client.h"

namespace viva {

struct JudgeInput {
  std::string instruction;
  std::vector<Image> source_frames;  // evenly spaced, time order
  std::vector<Image> edited_frames;  // the same moments of the edited video
  std::optional<Image> reference;    // reference-based edits only
};

struct JudgeScores {
  double instruction_following = 0.0;
  double source_preservation = 0.0;
  double edit_quality = 0.0;
  std::optional<double> subject_similarity;  // present exactly when the input had a reference
  std::string reason;

  // Mean of the scores present (three, or four with a reference).
  double overall() const;
};

VlmPrompt build_judge_prompt(const JudgeInput& input);
std::vector<ReplyField> judge_reply_schema(bool with_reference);
// Reads a reply already checked against judge_reply_schema.
JudgeScores read_judge_reply(const nlohmann::json& reply, bool with_reference);

struct JudgeResult {
  JudgeScores scores;
  int attempts = 0;
};

// One edit scored; throws viva::Error when the VLM gave no valid answer within the retries.
JudgeResult judge_edit(const VlmClient& client, const JudgeInput& input);

}  // namespace viva
