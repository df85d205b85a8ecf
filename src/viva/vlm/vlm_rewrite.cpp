#include "viva/vlm/vlm_rewrite.h"

#include "viva/core/error.h"

namespace viva {
namespace {

const char* kSystem =
    "You write the editing instructions of a video editing dataset. Each example is a pair of clips: the input "
    "clip, and the same clip after an edit. You see frames of both, their captions when known, and a rough "
    "instruction made from a template. Write the instruction a person would give an editing tool to turn the "
    "input clip into the edited clip. Answer with one JSON object and nothing else.";

const char* kRules =
    "Rules for the instruction:\n"
    "- one imperative sentence (two at most), under 30 words, e.g. \"Replace the brown dog with a white cat.\", "
    "\"Remove the red car parked on the left.\", \"Make it snow.\"\n"
    "- name what changes concretely (which object, its colour, material, position) as the frames show it; when "
    "the frames disagree with the captions or the template, trust the frames\n"
    "- describe only the change, not what stays the same\n"
    "- do not mention clips, videos, frames, captions or templates\n";

}  // namespace

std::vector<ReplyField> rewrite_reply_schema() { return {{"instruction", ReplyFieldType::NonEmptyText}}; }

VlmPrompt build_rewrite_prompt(const RewriteInput& input) {
  if (input.source_frames.empty() || input.target_frames.empty())
    throw Error("building the rewrite prompt", "both clips need at least one frame");
  VlmPrompt prompt;
  prompt.system = kSystem;
  std::string facts;
  if (!input.task.empty()) facts += "Kind of edit: " + input.task + "\n";
  if (!input.templated_instruction.empty()) {
    facts += input.template_is_reversed
                 ? "Templated instruction for the OPPOSITE edit (edited clip back to input clip; write yours for input "
                   "to edited): " + input.templated_instruction + "\n"
                 : "Templated instruction: " + input.templated_instruction + "\n";
  }
  if (!input.source_caption.empty()) facts += "Caption of the input clip: " + input.source_caption + "\n";
  if (!input.target_caption.empty()) facts += "Caption of the edited clip: " + input.target_caption + "\n";
  if (!facts.empty()) prompt.add_text(facts);
  prompt.add_text("Input clip, " + std::to_string(input.source_frames.size()) + " frames in time order:");
  for (const Image& f : input.source_frames) prompt.add_image(f);
  prompt.add_text("Edited clip, " + std::to_string(input.target_frames.size()) + " frames at the same moments:");
  for (const Image& f : input.target_frames) prompt.add_image(f);
  prompt.add_text(std::string(kRules) + "\nAnswer with exactly this JSON object and no other text:\n" +
                  describe_reply(rewrite_reply_schema()));
  return prompt;
}

RewriteResult rewrite_instruction(const VlmClient& client, const RewriteInput& input) {
  const VlmReply reply = client.ask(build_rewrite_prompt(input), rewrite_reply_schema());
  std::string text = reply.object.at("instruction").get<std::string>();
  // Models sometimes wrap the sentence in quotes inside the JSON string.
  while (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return {text, reply.attempts};
}

}  // namespace viva
