#include "viva/train/sft_config.h"

#include "viva/core/config.h"
#include "viva/core/error.h"

namespace viva {

SftConfig SftConfig::read(const std::string& path) {
  const nlohmann::json json = load_json_file(path);
  SftConfig c;
  ConfigReader r(json, path);
  r.require("model", c.model);
  r.require("cache", c.cache);
  r.require("out", c.out);
  r.get("steps", c.steps);
  r.get("batch_size", c.batch_size);
  r.get("grad_accum", c.grad_accum);
  r.get("lr", c.lr);
  r.get("weight_decay", c.weight_decay);
  r.get("beta1", c.beta1);
  r.get("beta2", c.beta2);
  r.get("eps", c.eps);
  r.get("warmup", c.warmup);
  r.get("grad_clip", c.grad_clip);
  r.get("ema", c.ema);
  r.get("video_probability", c.video_probability);
  r.get("mask_weight", c.mask_weight);
  r.get("shift", c.shift);
  r.get("instruction_dropout", c.instruction_dropout);
  r.get("checkpoint_every", c.checkpoint_every);
  r.get("keep_checkpoints", c.keep_checkpoints);
  r.get("seed", c.seed);
  r.get("device", c.device);
  r.get("dtype", c.dtype);
  r.get("activation_checkpointing", c.activation_checkpointing);
  r.finish();
  if (c.steps < 1 || c.batch_size < 1 || c.grad_accum < 1 || c.checkpoint_every < 1 || c.keep_checkpoints < 1)
    throw Error(path, "steps, batch_size, grad_accum, checkpoint_every and keep_checkpoints must be positive");
  if (!(c.lr > 0)) throw Error(path, "lr must be positive");
  if (c.video_probability < 0 || c.video_probability > 1 || c.instruction_dropout < 0 || c.instruction_dropout > 1)
    throw Error(path, "video_probability and instruction_dropout must be within [0, 1]");
  if (c.ema < 0 || c.ema >= 1) throw Error(path, "ema must be within [0, 1)");
  return c;
}

nlohmann::json SftConfig::to_json() const {
  return {{"model", model}, {"cache", cache}, {"out", out}, {"steps", steps}, {"batch_size", batch_size},
          {"grad_accum", grad_accum}, {"lr", lr}, {"weight_decay", weight_decay}, {"beta1", beta1}, {"beta2", beta2},
          {"eps", eps}, {"warmup", warmup}, {"grad_clip", grad_clip}, {"ema", ema},
          {"video_probability", video_probability}, {"mask_weight", mask_weight}, {"shift", shift},
          {"instruction_dropout", instruction_dropout}, {"checkpoint_every", checkpoint_every},
          {"keep_checkpoints", keep_checkpoints}, {"seed", seed}, {"device", device}, {"dtype", dtype},
          {"activation_checkpointing", activation_checkpointing}};
}

}  // namespace viva
