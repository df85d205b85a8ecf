// viva recipe shapes: train VIVA end to end in ShapesWorld (shapes/recipe/shapes_recipe.h).
#include <cstdio>
#include <memory>

#include "viva/cli/cli_common.h"
#include "viva/shapes/recipe/shapes_recipe.h"

namespace viva::cli {

void add_recipe_command(CLI::App& app) {
  auto* recipe = app.add_subcommand("recipe", "Train every model of a world end to end");
  recipe->require_subcommand(1);
  auto o = std::make_shared<ShapesRecipeOptions>();
  auto* cmd = recipe->add_subcommand(
      "shapes",
      "ShapesWorld: data -> VAE -> VLM -> CLIP -> PickScore-like -> text-to-video DiT -> VIVA SFT -> Edit-GRPO -> "
      "oracle evaluation, each stage in DIR/<stage>/ with a model card (MODEL_CARD.md, card.json). Rerunning the "
      "command skips finished stages and resumes the interrupted one from its last checkpoint");
  cmd->add_option("--out", o->out, "Recipe folder (created, or resumed when it exists)")->required();
  cmd->add_option("--tokenizers", o->tokenizers,
                  "Folder with llama3/tokenizer.json and clip/bpe_simple_vocab_16e6.txt.gz, or a VIVA model folder "
                  "whose tokenizers to use (e.g. models/shapes)")
      ->required();
  cmd->add_option("--plan", o->plan,
                  "Stage settings: full (about 85 minutes on two CPU cores; the shipped model came from its GPU "
                  "variant tools/gpu/shapes_gpu_sigma1_patch1.json) or smoke (seconds, for tests)")
      ->check(CLI::IsMember({"full", "smoke"}))
      ->capture_default_str();
  cmd->add_option("--config", o->overrides,
                  "JSON merged onto the plan: a file, or the object itself, e.g. {\"sft\": {\"train\": {\"steps\": "
                  "2000}}} (the plan as run is written to DIR/plan.json)");
  cmd->add_flag("--ablation", o->ablation,
                "Also train and judge the paper's Table 2 variants (Vanilla, +V, +V+M) and write "
                "DIR/ablation/ablation.md and ablation.json");
  cmd->add_option("--device", o->device, "cpu or cuda[:N]")->capture_default_str();
  set_guarded_callback(cmd, [o] {
    const ShapesRecipeResult r = run_shapes_recipe(*o);
    if (r.finished) std::printf("recipe finished; model: %s; summary: %s/RECIPE.md\n", r.model.c_str(), o->out.c_str());
  });
}

}  // namespace viva::cli
