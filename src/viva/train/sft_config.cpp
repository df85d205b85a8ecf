#include "viva/train/sft_config.h"

#include "viva/core/config.h"
#include "viva/core/error.h"

namespace viva {

SftConfig SftConfig::read(const std::string& path) { return from_json(load_json_file(path), path); }

SftConfig SftConfig::from_json(const nlohmann::json& json, const std::string& source, ConfigPaths paths) {
  SftConfig c;
  ConfigReader r(json, source);
  if (paths == ConfigPaths::InFile) {
    r.require("model", c.model);
    r.require("cache", c.cache);
    r.require("out", c.out);
  }
  c.read_training_keys(r);
  r.get("batch_size", c.batch_size);
  r.get("grad_accum", c.grad_accum);
  r.get("beta1", c.beta1);
  r.get("beta2", c.beta2);
  r.get("eps", c.eps);
  r.get("ema", c.ema);
  r.get("video_probability", c.video_probability);
  r.get("mask_weight", c.mask_weight);
  r.get("shift", c.shift);
  r.get("high_noise_fraction", c.high_noise_fraction);
  r.get("high_noise_shift", c.high_noise_shift);
  r.get("instruction_dropout", c.instruction_dropout);
  r.get("task_weights", c.task_weights);
  c.read_scale_keys(r);
  r.get("reduce_bucket_mb", c.reduce_bucket_mb);
  r.finish();
  c.check_training_keys(source);
  c.check_scale_keys(source);
  if (c.batch_size < 1 || c.grad_accum < 1) throw Error(source, "batch_size and grad_accum must be positive");
  if (c.video_probability < 0 || c.video_probability > 1 || c.instruction_dropout < 0 || c.instruction_dropout > 1)
    throw Error(source, "video_probability and instruction_dropout must be within [0, 1]");
  if (c.ema < 0 || c.ema >= 1) throw Error(source, "ema must be within [0, 1)");
  if (c.sharding == "full" && c.ema > 0) throw Error(source, "sharding \"full\" needs no ema (not kept sharded yet)");
  if (!(c.reduce_bucket_mb > 0)) throw Error(source, "reduce_bucket_mb must be positive");
  for (const auto& [task, weight] : c.task_weights)
    if (!(weight >= 0)) throw Error(source, "task_weights: the weight of '" + task + "' must be >= 0");
  if (c.shift && !(*c.shift > 0)) throw Error(source, "shift must be positive (or null: the model's sampling shift)");
  if (c.high_noise_fraction < 0 || c.high_noise_fraction > 1 || !(c.high_noise_shift > 0))
    throw Error(source, "high_noise_fraction must be within [0, 1] and high_noise_shift positive");
  return c;
}

nlohmann::json SftConfig::to_json() const {
  nlohmann::json json = {{"model", model}, {"cache", cache}, {"out", out}, {"batch_size", batch_size},
                         {"grad_accum", grad_accum}, {"beta1", beta1}, {"beta2", beta2}, {"eps", eps}, {"ema", ema},
                         {"video_probability", video_probability}, {"mask_weight", mask_weight}, {"shift", json_or_null(shift)},
                         {"high_noise_fraction", high_noise_fraction}, {"high_noise_shift", high_noise_shift},
                         {"instruction_dropout", instruction_dropout}, {"task_weights", task_weights},
                         {"reduce_bucket_mb", reduce_bucket_mb}};
  add_training_keys(json);
  add_scale_keys(json);
  return json;
}

}  // namespace viva
