#pragma once
// Artefact labelling, the second VLM stage of the paper's data filtering (§3.4): a VLM looks at
// a synthesised clip and says whether it is free of generation artefacts. Only clips labelled
// free may serve as training targets (viva.md §2 Data).
#include <string>
#include <vector>

#include "viva/vlm/vlm_client.h"

namespace viva {

struct ArtifactInput {
  std::vector<Image> frames;  // evenly spaced frames of the synthesised clip, time order
  std::string caption;        // what the clip should show; may be empty
};

struct ArtifactLabel {
  bool artifact = true;
  std::string reason;
  int attempts = 0;
};

VlmPrompt build_artifact_prompt(const ArtifactInput& input);
std::vector<ReplyField> artifact_reply_schema();

ArtifactLabel label_artifacts(const VlmClient& client, const ArtifactInput& input);

}  // namespace viva
