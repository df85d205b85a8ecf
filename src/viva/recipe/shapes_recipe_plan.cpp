// The recipe's plans: every stage's settings, in the keys of the trainer configs they become.
#include "viva/core/error.h"
#include "viva/recipe/shapes_recipe.h"

namespace viva {

nlohmann::json shapes_recipe_plan(const std::string& name) {
  if (name == "full")
    return R"({
  "data": {"pairs": 4000, "seed": 1, "size": 64, "frames": 9, "image_fraction": 0.3, "probe_pairs": 40},
  "init": {"preset": "shapes", "seed": 0},
  "vae": {"split": "train", "max_clips": 2000, "steps": 2500, "lr": 2e-3, "warmup": 50, "checkpoint_every": 250},
  "vlm": {"steps": 600, "grad_accum": 4, "lr": 2e-3, "warmup": 30, "checkpoint_every": 200},
  "clip": {"objective": "contrastive", "steps": 400, "batch_size": 64, "lr": 1e-3, "warmup": 40, "checkpoint_every": 200},
  "pickscore": {"objective": "preference", "steps": 150, "batch_size": 32, "lr": 2e-4, "warmup": 10, "checkpoint_every": 150},
  "t2v": {"max_rows": 1200, "train": {"steps": 1000, "batch_size": 8, "lr": 5e-4, "warmup": 50, "weight_decay": 0.0,
                                      "checkpoint_every": 250}},
  "sft": {"max_rows": 2000, "train": {"steps": 3000, "batch_size": 8, "lr": 5e-4, "warmup": 50, "weight_decay": 0.0,
                                      "ema": 0.999, "checkpoint_every": 250}},
  "grpo": {"steps": 40, "group_size": 8, "sampling_steps": 10, "lr": 1e-4, "checkpoint_every": 10,
           "lora": {"rank": 8, "alpha": 8}},
  "eval": {"max_rows": 60, "steps": 0, "guidance": 0}
})"_json;
  if (name == "smoke")
    return R"({
  "data": {"pairs": 40, "seed": 1, "size": 64, "frames": 5, "image_fraction": 0.3, "probe_pairs": 2},
  "init": {"preset": "tiny", "seed": 0},
  "vae": {"split": "train", "max_clips": 8, "steps": 3, "lr": 1e-3, "warmup": 1, "checkpoint_every": 2, "heldout_clips": 2},
  "vlm": {"steps": 3, "grad_accum": 1, "lr": 1e-3, "warmup": 1, "checkpoint_every": 2},
  "clip": {"objective": "contrastive", "steps": 3, "batch_size": 4, "lr": 1e-3, "warmup": 1, "checkpoint_every": 2},
  "pickscore": {"objective": "preference", "steps": 2, "batch_size": 4, "lr": 1e-4, "warmup": 1, "checkpoint_every": 2},
  "t2v": {"max_rows": 4, "train": {"steps": 3, "batch_size": 2, "lr": 1e-3, "warmup": 1, "checkpoint_every": 2}},
  "sft": {"max_rows": 8, "train": {"steps": 3, "batch_size": 2, "lr": 1e-3, "warmup": 1, "checkpoint_every": 2}},
  "grpo": {"steps": 1, "group_size": 2, "sampling_steps": 2, "checkpoint_every": 1, "lora": {"rank": 2, "alpha": 2}},
  "eval": {"max_rows": 1, "steps": 2, "guidance": 0}
})"_json;
  throw Error("viva recipe shapes", "unknown plan '" + name + "' (known: full, smoke)");
}

}  // namespace viva
