#pragma once
// `viva model consolidate CKPT --out DIR`: a supervised fine-tuning checkpoint (sharded by
// parts or not) as a normal model folder: the run's base model with the checkpoint's
// transformer weights, as `viva train sft` writes <out>/model at its end.
#include <string>

namespace viva {

struct ConsolidateSummary {
  std::string checkpoint;  // the step folder read
  int64_t step = 0;
  int parts = 0;           // ranks that wrote it (0: not sharded)
  int64_t tensors = 0;
};

// `checkpoint`: a step folder, a run's checkpoints/ folder or the run folder (its latest
// checkpoint). Errors name the folder and what is wrong.
ConsolidateSummary consolidate_checkpoint(const std::string& checkpoint, const std::string& out);

}  // namespace viva
