#pragma once
// The Edit-GRPO rewards (paper Eq. 4–7, viva.md §2):
//   R_IF = C(V_edit, t_edit) − C(V_edit, t_src)     instruction following
//   R_SP = C(V_src, V_edit)                         source preservation
//   R_PS = PickScore(V_edit, t_edit)                human preference (logit scale × cosine, frame mean)
//   R    = w_IF·R_IF + w_SP·R_SP + w_PS·R_PS (+ w_B·brightness)
// with C the cosine similarity of CLIP video / text embeddings. A component whose weight is 0 is
// not computed, and a model no enabled component needs is not loaded. Brightness (mean pixel
// value in [0, 1]) is a known, model-free reward for checking the trainer itself.
#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "viva/core/config.h"
#include "viva/rewards/clip_scorer.h"

namespace viva {

struct RewardOptions {
  std::string clip;       // CLIP folder for R_IF and R_SP
  std::string pickscore;  // PickScore (CLIP-H) folder for R_PS
  double w_instruction = 1.0;
  double w_preservation = 1.0;
  double w_pickscore = 0.01;  // PickScore is ~100× a cosine (it includes the logit scale)
  double w_brightness = 0.0;
  int64_t frames = 4;  // frames sampled per video

  // Reads {"clip", "pickscore", "weights": {"instruction", "preservation", "pickscore",
  // "brightness"}, "frames"} (unknown keys are errors). Without `folders_in_file` the caller sets
  // clip and pickscore, and they are neither read nor checked.
  static RewardOptions read(ConfigReader reader, bool folders_in_file = true);
  // Throws unless every folder an enabled reward needs holds a config.json (a cheap check to
  // run before hours of other work).
  void check_folders() const;
  nlohmann::json to_json() const;
};

// Each [G] (undefined when switched off).
struct RewardBreakdown {
  torch::Tensor total, instruction, preservation, pickscore, brightness;
};

class EditRewardModel {
 public:
  EditRewardModel(const RewardOptions& options, torch::Device device);

  // source: [1 or G, 3, T, H, W], edited: [G, 3, T, H, W], both in [-1, 1].
  RewardBreakdown score(const torch::Tensor& source, const torch::Tensor& edited, const std::string& source_caption,
                        const std::string& edit_caption);

 private:
  RewardOptions options_;
  std::unique_ptr<ClipScorer> clip_, pickscore_;
};

}  // namespace viva
