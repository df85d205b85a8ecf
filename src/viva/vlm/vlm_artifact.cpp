#include "viva/vlm/vlm_artifact.h"

#include "viva/core/error.h"

namespace viva {
namespace {

const char* kSystem =
    "You inspect clips made by a video synthesis model before they enter a training set. A clip you label free "
    "of artifacts will be used as a target that an editing model learns to reproduce, so any visible generation "
    "flaw disqualifies it. Answer with one JSON object and nothing else.";

const char* kChecklist =
    "Set \"artifact\" to true if any frame shows any of these:\n"
    "- smeared, blurry or melting regions, above all where an object was added, removed or replaced\n"
    "- distorted shapes or anatomy (faces, hands, limbs), objects merging into each other\n"
    "- seams, halos, or patches of different colour, brightness or sharpness around a region\n"
    "- noisy, repeated or checkerboard textures, blocky patches\n"
    "- objects that flicker, change shape or identity, appear or vanish from one frame to the next\n"
    "- garbled text or logos\n"
    "Natural motion blur, film grain and ordinary depth of field are not artifacts. When unsure, answer true.\n";

}  // namespace

std::vector<ReplyField> artifact_reply_schema() {
  return {{"artifact", ReplyFieldType::Boolean}, {"reason", ReplyFieldType::Text}};
}

VlmPrompt build_artifact_prompt(const ArtifactInput& input) {
  if (input.frames.empty()) throw Error("building the artifact prompt", "the clip needs at least one frame");
  VlmPrompt prompt;
  prompt.system = kSystem;
  if (!input.caption.empty()) prompt.add_text("What the clip should show: " + input.caption);
  prompt.add_text("Synthesised clip, " + std::to_string(input.frames.size()) + " frames in time order:");
  for (const Image& f : input.frames) prompt.add_image(f);
  prompt.add_text(std::string(kChecklist) + "\nAnswer with exactly this JSON object and no other text:\n" +
                  describe_reply(artifact_reply_schema()) +
                  "\nwhere \"reason\" is one sentence naming the worst flaw, or why the clip is clean.");
  return prompt;
}

ArtifactLabel label_artifacts(const VlmClient& client, const ArtifactInput& input) {
  const VlmReply reply = client.ask(build_artifact_prompt(input), artifact_reply_schema());
  return {reply.object.at("artifact").get<bool>(), reply.object.at("reason").get<std::string>(), reply.attempts};
}

}  // namespace viva
