#pragma once
// `viva recipe shapes --out DIR`: VIVA trained end to end in ShapesWorld (viva.md §3), every
// stage in its own folder with a model card (model_card.h), each resumable — rerunning the
// command skips finished stages and resumes the running one from its last checkpoint:
//
//   data/        the ShapesWorld dataset; data_probe/: video stylisations (transfer probe)
//   init/        a freshly initialised model folder (the plan's preset)
//   vae/         the causal VAE (reconstruction; held-out PSNR)
//   vlm/         the LLaVA instructor's VLM (captioning; held-out loss and token accuracy)
//   clip/        a contrastive CLIP (rewards, metrics; held-out text -> clip retrieval)
//   pickscore/   the CLIP fine-tuned on clean vs degraded frames (PickScore-like reward)
//   t2v/         a text-to-video DiT on the VLM's text-only states of the captions
//   sft/         VIVA SFT, the editor initialised from the text-to-video DiT
//   grpo/        Edit-GRPO LoRA on the SFT model
//   model/       the final model (SFT + merged LoRA) — what models/shapes ships
//   eval/        the final model on the test, hybrid and probe sets (oracle judge)
//   ablation/    with --ablation: the paper's Table 2 variants, ablation.md and ablation.json
//   RECIPE.md    time per stage and the headline numbers
//
// A plan ("full" for a CPU run, "smoke" for tests) fixes every stage's settings; a
// JSON file may override any of them ({"vae": {"steps": 500}, ...}, merged onto the plan).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "viva/core/progress.h"
#include "viva/shapes/recipe/model_card.h"
#include "viva/shapes/recipe/shapes_recipe_plan.h"

namespace viva {

struct ShapesRecipeOptions {
  std::string out;
  // Folder with llama3/tokenizer.json and clip/bpe_simple_vocab_16e6.txt.gz, or a VIVA model
  // folder whose tokenizers to use.
  std::string tokenizers;
  std::string plan = "full";  // "full" | "smoke"
  std::string overrides;      // JSON merged onto the plan: a file, or the object itself ('{...}'); empty: none
  bool ablation = false;
  std::string device = "cpu";
  ProgressOptions progress;
};

struct ShapesRecipeResult {
  bool finished = false;  // false: a stage was interrupted (rerun to resume)
  std::vector<ModelCard> cards;
  std::string model;       // DIR/model when finished
};

ShapesRecipeResult run_shapes_recipe(const ShapesRecipeOptions& options);

}  // namespace viva
