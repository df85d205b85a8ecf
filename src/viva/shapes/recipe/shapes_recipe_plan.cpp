#include "viva/shapes/recipe/shapes_recipe_plan.h"

#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/pipeline/model_init.h"
#include "viva/train/clip_trainer.h"
#include "viva/train/grpo_config.h"
#include "viva/train/sft_config.h"
#include "viva/train/vae_trainer.h"
#include "viva/train/vlm_trainer.h"

namespace viva {
namespace {

// Reads every trainer section as its stage will, with stand-ins for the paths the recipe adds, so
// that a wrong key or value fails when the plan is read rather than when its stage starts, which
// can be an hour in.
void check_trainer_sections(const ShapesRecipePlan& p, const std::string& source) {
  const auto with = [](nlohmann::json keys, const nlohmann::json& paths) {
    keys.merge_patch(paths);
    return keys;
  };
  const auto section = [&](const std::string& key) { return source + ", section '" + key + "'"; };
  const nlohmann::json inputs = {{"model", "-"}, {"manifest", "-"}, {"out", "-"}};
  VaeTrainConfig::from_json(with(p.vae, inputs), section("vae"));
  VlmTrainConfig::from_json(with(p.vlm, inputs), section("vlm"));
  ClipTrainConfig::from_json(with(p.clip, {{"manifest", "-"}, {"out", "-"}, {"merges", "-"}}), section("clip"));
  ClipTrainConfig::from_json(with(p.pickscore, {{"manifest", "-"}, {"out", "-"}, {"init", "-"}}), section("pickscore"));
  for (const auto& [key, dit] : {std::pair{"t2v.train", &p.t2v}, std::pair{"sft.train", &p.sft}})
    SftConfig::from_json(with(dit->train, {{"model", "-"}, {"cache", "-"}, {"out", "-"}}), section(key));
  GrpoConfig::from_json(
      with(p.grpo, {{"model", "-"}, {"prompts", "-"}, {"out", "-"}, {"rewards", {{"clip", "-"}, {"pickscore", "-"}}}}),
      section("grpo"));
}

}  // namespace

nlohmann::json ShapesRecipePlan::named(const std::string& name) {
  if (name == "full")
    return R"({
  "data": {"pairs": 4000, "seed": 1, "size": 64, "frames": 9, "image_fraction": 0.3, "probe_pairs": 40},
  "init": {"preset": "shapes", "seed": 0},
  "vae": {"split": "train", "max_clips": 2000, "batch": 8, "steps": 500, "lr": 2e-3, "warmup": 50, "checkpoint_every": 100},
  "vlm": {"steps": 250, "grad_accum": 4, "lr": 2e-3, "warmup": 30, "checkpoint_every": 200},
  "clip": {"objective": "contrastive", "steps": 200, "batch_size": 64, "lr": 1e-3, "warmup": 40, "checkpoint_every": 200},
  "pickscore": {"objective": "preference", "steps": 100, "batch_size": 32, "lr": 2e-4, "warmup": 10, "checkpoint_every": 150},
  "t2v": {"max_rows": 400, "train": {"steps": 400, "batch_size": 8, "lr": 5e-4, "warmup": 50, "weight_decay": 0.0,
                                     "checkpoint_every": 100}},
  "sft": {"max_rows": 800, "train": {"steps": 1200, "batch_size": 8, "lr": 5e-4, "warmup": 50, "weight_decay": 0.0,
                                     "ema": 0.999, "checkpoint_every": 100}},
  "grpo": {"steps": 8, "group_size": 4, "sampling_steps": 8, "lr": 1e-4, "checkpoint_every": 2,
           "lora": {"rank": 8, "alpha": 8}},
  "eval": {"max_rows": 20, "steps": 0, "guidance": 0}
})"_json;
  if (name == "smoke")
    return R"({
  "data": {"pairs": 40, "seed": 1, "size": 64, "frames": 5, "image_fraction": 0.3, "probe_pairs": 2},
  "init": {"preset": "tiny", "seed": 0},
  "vae": {"split": "train", "max_clips": 8, "batch": 2, "steps": 3, "lr": 1e-3, "warmup": 1, "checkpoint_every": 2, "heldout_clips": 2},
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

ShapesRecipePlan ShapesRecipePlan::from_json(const nlohmann::json& json, const std::string& source) {
  ShapesRecipePlan p;
  ConfigReader r(json, source);
  {
    ConfigReader d = r.child("data");
    d.get("pairs", p.data.pairs);
    d.get("seed", p.data.seed);
    d.get("size", p.data.size);
    d.get("frames", p.data.frames);
    d.get("image_fraction", p.data.image_fraction);
    d.get("probe_pairs", p.data.probe_pairs);
    d.get("edits_per_scene", p.data.edits_per_scene);
    d.finish();
  }
  {
    ConfigReader i = r.child("init");
    i.get("preset", p.init.preset);
    i.get("seed", p.init.seed);
    i.finish();
  }
  for (const auto& [key, section] : {std::pair{"vae", &p.vae}, std::pair{"vlm", &p.vlm}, std::pair{"clip", &p.clip},
                                     std::pair{"pickscore", &p.pickscore}, std::pair{"grpo", &p.grpo}}) {
    r.get(key, *section);
    if (!section->is_object()) throw Error(source, std::string("key '") + key + "' must be an object");
  }
  for (const auto& [key, dit] : {std::pair{"t2v", &p.t2v}, std::pair{"sft", &p.sft}}) {
    ConfigReader d = r.child(key);
    d.get("max_rows", dit->max_rows);
    d.get("train", dit->train);
    if (dit == &p.t2v) d.get("transformer", dit->transformer);
    d.finish();
    if (!dit->train.is_object()) throw Error(source, std::string("key '") + key + ".train' must be an object");
    if (!dit->transformer.is_object()) throw Error(source, std::string("key '") + key + ".transformer' must be an object");
  }
  {
    ConfigReader e = r.child("eval");
    e.get("max_rows", p.eval.max_rows);
    e.get("steps", p.eval.steps);
    e.get("guidance", p.eval.guidance);
    e.finish();
  }
  r.finish();
  // The t2v stage would only find a bad architecture after an hour of earlier stages.
  check_preset_architecture(p.init.preset, p.t2v.transformer, source + " (init.preset, t2v.transformer)");
  check_trainer_sections(p, source);
  if (p.data.pairs < 20 || p.data.probe_pairs < 1 || p.eval.max_rows < 0)
    throw Error(source, "data.pairs must be at least 20 (every split), data.probe_pairs at least 1, eval.max_rows >= 0");
  return p;
}

}  // namespace viva
