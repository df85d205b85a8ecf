#include "viva/shapes/recipe/shapes_recipe_plan.h"

#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/pipeline/model_init.h"

namespace viva {
namespace {

// A trainer section of the plan: an object, with `device` unless it names its own.
nlohmann::json trainer_section(const nlohmann::json& json, const std::string& key, const std::string& source,
                               const std::string& device) {
  nlohmann::json section = json.value(key, nlohmann::json::object());
  if (!section.is_object()) throw Error(source, "key '" + key + "' must be an object");
  if (!section.contains("device")) section["device"] = device;
  return section;
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
  "eval": {"max_rows": 20}
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
  "eval": {"max_rows": 1, "steps": 2}
})"_json;
  throw Error("viva recipe shapes", "unknown plan '" + name + "' (known: full, smoke)");
}

ShapesRecipePlan ShapesRecipePlan::from_json(const nlohmann::json& json, const std::string& source,
                                             const std::string& device) {
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
  // Each trainer section by its trainer's reader, now rather than when its stage starts, which
  // can be an hour in; the stages add the paths.
  const auto section = [&](const std::string& key) { return source + ", section '" + key + "'"; };
  const auto trainer = [&](const std::string& key) {
    nlohmann::json ignored;
    r.get(key, ignored);  // consumed here, read below
    return trainer_section(json, key, source, device);
  };
  constexpr ConfigPaths by_stage = ConfigPaths::SetByCaller;
  p.vae = VaeTrainConfig::from_json(trainer("vae"), section("vae"), by_stage);
  p.vlm = VlmTrainConfig::from_json(trainer("vlm"), section("vlm"), by_stage);
  p.clip = ClipTrainConfig::from_json(trainer("clip"), section("clip"), by_stage);
  p.pickscore = ClipTrainConfig::from_json(trainer("pickscore"), section("pickscore"), by_stage);
  p.grpo = GrpoConfig::from_json(trainer("grpo"), section("grpo"), by_stage);
  for (const auto& [key, dit] : {std::pair{"t2v", &p.t2v}, std::pair{"sft", &p.sft}}) {
    ConfigReader d = r.child(key);
    d.get("max_rows", dit->max_rows);
    nlohmann::json train = nlohmann::json::object();
    d.get("train", train);
    if (dit == &p.t2v) d.get("transformer", dit->transformer);
    d.finish();
    if (!train.is_object()) throw Error(source, std::string("key '") + key + ".train' must be an object");
    if (!dit->transformer.is_object()) throw Error(source, std::string("key '") + key + ".transformer' must be an object");
    if (!train.contains("device")) train["device"] = device;
    dit->train = SftConfig::from_json(train, section(std::string(key) + ".train"), by_stage);
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
  if (p.data.pairs < 20 || p.data.probe_pairs < 1 || p.eval.max_rows < 0)
    throw Error(source, "data.pairs must be at least 20 (every split), data.probe_pairs at least 1, eval.max_rows >= 0");
  if ((p.eval.steps && *p.eval.steps < 1) || (p.eval.guidance && *p.eval.guidance < 0))
    throw Error(source, "eval.steps must be >= 1 and eval.guidance >= 0 (or null: the model's)");
  return p;
}

}  // namespace viva
