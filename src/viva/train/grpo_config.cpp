#include "viva/train/grpo_config.h"

#include "viva/core/config.h"
#include "viva/core/error.h"

namespace viva {

GrpoConfig GrpoConfig::read(const std::string& path) { return from_json(load_json_file(path), path); }

GrpoConfig GrpoConfig::from_json(const nlohmann::json& json, const std::string& source, ConfigPaths paths) {
  GrpoConfig c;
  ConfigReader r(json, source);
  const bool in_file = paths == ConfigPaths::InFile;
  if (in_file) {
    r.require("model", c.model);
    r.require("prompts", c.prompts);
    r.require("out", c.out);
    if (!r.has("rewards")) throw Error(source, "missing required key 'rewards'");
  }
  r.get("split", c.split);
  if (r.has("rewards")) c.rewards = RewardOptions::read(r.child("rewards"), in_file);
  if (r.has("lora")) {
    ConfigReader l = r.child("lora");
    l.get("rank", c.lora.rank);
    l.get("alpha", c.lora.alpha);
    l.get("targets", c.lora.targets);
    l.get("init_std", c.lora.init_std);
    l.finish();
  }
  c.read_training_keys(r);
  r.get("group_size", c.group_size);
  r.get("prompts_per_step", c.prompts_per_step);
  r.get("sampler", c.sampler);
  r.get("eta", c.eta);
  r.get("sampling_steps", c.sampling_steps);
  r.get("guidance", c.guidance);
  r.get("shift", c.shift);
  r.get("width", c.width);
  r.get("height", c.height);
  r.get("frames", c.frames);
  r.get("timestep_fraction", c.timestep_fraction);
  r.get("clip_range", c.clip_range);
  r.get("kl_weight", c.kl_weight);
  r.get("advantage_clip", c.advantage_clip);
  r.get("updates_per_group", c.updates_per_group);
  c.read_scale_keys(r);
  r.finish();
  c.check_training_keys(source);
  c.check_scale_keys(source);
  if (c.prompts_per_step < 1 || c.sampling_steps < 2)
    throw Error(source, "prompts_per_step must be positive and sampling_steps >= 2");
  if (c.group_size < 2) throw Error(source, "group_size must be >= 2 (advantages are relative within a group)");
  if (c.sampler != "flow_sde" && c.sampler != "cps") throw Error(source, "sampler must be \"flow_sde\" or \"cps\", not \"" + c.sampler + "\"");
  if (!(c.eta > 0)) throw Error(source, "eta must be positive (eta = 0 samples no distinct edits)");
  if (!(c.timestep_fraction > 0 && c.timestep_fraction <= 1)) throw Error(source, "timestep_fraction must be within (0, 1]");
  if ((c.guidance && *c.guidance < 0) || (c.shift && !(*c.shift > 0)))
    throw Error(source, "guidance must be >= 0 and shift positive (or null: the model's)");
  if (!(c.clip_range > 0) || c.kl_weight < 0) throw Error(source, "clip_range must be positive, kl_weight >= 0");
  if (c.updates_per_group < 1) throw Error(source, "updates_per_group must be >= 1");
  if (c.lora.rank < 1 || c.lora.targets.empty()) throw Error(source, "lora.rank must be >= 1 and lora.targets non-empty");
  return c;
}

nlohmann::json GrpoConfig::to_json() const {
  nlohmann::json json = {
      {"model", model}, {"prompts", prompts}, {"split", split}, {"out", out}, {"rewards", rewards.to_json()},
      {"lora", {{"rank", lora.rank}, {"alpha", lora.alpha}, {"targets", lora.targets}, {"init_std", lora.init_std}}},
      {"group_size", group_size}, {"prompts_per_step", prompts_per_step}, {"sampler", sampler}, {"eta", eta},
      {"sampling_steps", sampling_steps}, {"guidance", json_or_null(guidance)}, {"shift", json_or_null(shift)},
      {"width", json_or_null(width)}, {"height", json_or_null(height)}, {"frames", json_or_null(frames)}, {"timestep_fraction", timestep_fraction}, {"clip_range", clip_range},
      {"kl_weight", kl_weight}, {"advantage_clip", advantage_clip},
      {"updates_per_group", updates_per_group}};
  add_training_keys(json);
  add_scale_keys(json);
  return json;
}

}  // namespace viva
