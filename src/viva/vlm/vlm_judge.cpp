#include "viva/vlm/vlm_judge.h"

#include "viva/core/error.h"

namespace viva {
namespace {

const char* kSystem =
    "You evaluate instruction-based video editing. You receive an editing instruction, frames sampled from an "
    "original video, frames sampled at the same moments from the video an editing model produced from it, and "
    "sometimes a reference image of the subject the edit should bring in. Judge only what the frames show, apply "
    "the rubric strictly and the same way every time, and answer with one JSON object and nothing else.";

// Paper Fig. 14's three bands per aspect, in our words.
const char* kRubric =
    "Score each aspect with an integer from 0 (worst) to 10 (best).\n"
    "\n"
    "instruction_following: does the edited video carry out the instruction precisely?\n"
    "  7-10: fully carried out.\n"
    "  4-6: partly carried out (the right kind of change but the wrong object, place, colour or extent, or only in "
    "some frames).\n"
    "  0-3: not carried out, or a different change was made.\n"
    "\n"
    "source_preservation: apart from what the instruction asks to change, does the edited video stay coherent "
    "with the original (the same scene, layout, people and objects, motion and camera)?\n"
    "  7-10: fully coherent with the original.\n"
    "  4-6: partly (noticeable changes nobody asked for).\n"
    "  0-3: not coherent (the original is largely lost).\n"
    "\n"
    "edit_quality: is the edited video seamless, natural-looking and pleasing to look at?\n"
    "  7-10: fully seamless, natural and aesthetic.\n"
    "  4-6: partly (visible seams, blur, distortion, flicker or implausible details).\n"
    "  0-3: not seamless, not natural, not aesthetic.\n";

const char* kSimilarityRubric =
    "\n"
    "subject_similarity: does the subject the edit brought in match the reference image (identity, shape, "
    "colours, distinctive details)?\n"
    "  7-10: matches the reference closely.\n"
    "  4-6: matches it partly.\n"
    "  0-3: does not match it.\n";

void add_frames(VlmPrompt& prompt, const std::vector<Image>& frames) {
  for (const Image& f : frames) prompt.add_image(f);
}

}  // namespace

double JudgeScores::overall() const {
  double sum = instruction_following + source_preservation + edit_quality;
  int n = 3;
  if (subject_similarity) {
    sum += *subject_similarity;
    ++n;
  }
  return sum / n;
}

std::vector<ReplyField> judge_reply_schema(bool with_reference) {
  std::vector<ReplyField> fields = {{"instruction_following", ReplyFieldType::Score},
                                    {"source_preservation", ReplyFieldType::Score},
                                    {"edit_quality", ReplyFieldType::Score}};
  if (with_reference) fields.push_back({"subject_similarity", ReplyFieldType::Score});
  fields.push_back({"reason", ReplyFieldType::Text});
  return fields;
}

VlmPrompt build_judge_prompt(const JudgeInput& input) {
  if (input.source_frames.empty() || input.edited_frames.empty())
    throw Error("building the judge prompt", "both videos need at least one frame");
  const bool with_reference = input.reference.has_value();
  const std::string n = std::to_string(input.source_frames.size());
  VlmPrompt prompt;
  prompt.system = kSystem;
  prompt.add_text("Editing instruction: " + input.instruction);
  prompt.add_text("Original video, " + n + " frames in time order:");
  add_frames(prompt, input.source_frames);
  prompt.add_text("Edited video, " + std::to_string(input.edited_frames.size()) + " frames at the same moments:");
  add_frames(prompt, input.edited_frames);
  if (with_reference) {
    prompt.add_text("Reference image (the subject the edit should show):");
    prompt.add_image(*input.reference);
  }
  std::string rules = kRubric;
  if (with_reference) rules += kSimilarityRubric;
  rules += "\nAnswer with exactly this JSON object and no other text:\n" + describe_reply(judge_reply_schema(with_reference)) +
           "\nwhere \"reason\" is one or two sentences that justify the scores.";
  prompt.add_text(rules);
  return prompt;
}

JudgeScores read_judge_reply(const nlohmann::json& reply, bool with_reference) {
  JudgeScores s;
  s.instruction_following = reply.at("instruction_following").get<double>();
  s.source_preservation = reply.at("source_preservation").get<double>();
  s.edit_quality = reply.at("edit_quality").get<double>();
  if (with_reference) s.subject_similarity = reply.at("subject_similarity").get<double>();
  s.reason = reply.at("reason").get<std::string>();
  return s;
}

JudgeResult judge_edit(const VlmClient& client, const JudgeInput& input) {
  const bool with_reference = input.reference.has_value();
  const VlmReply reply = client.ask(build_judge_prompt(input), judge_reply_schema(with_reference));
  return {read_judge_reply(reply.object, with_reference), reply.attempts};
}

}  // namespace viva
