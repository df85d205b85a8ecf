#include "viva/train/training_options.h"

#include <cmath>

#include "viva/core/config.h"
#include "viva/core/error.h"

namespace viva {

double TrainingOptions::learning_rate(int64_t step) const {
  if (warmup > 0 && step < warmup) return lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (!cosine || steps <= warmup) return lr;
  const double progress = static_cast<double>(step - warmup) / static_cast<double>(steps - warmup);
  return lr * (0.05 + 0.95 * 0.5 * (1.0 + std::cos(3.14159265358979323846 * progress)));
}

void TrainingOptions::read_training_keys(ConfigReader& r) {
  r.get("steps", steps);
  r.get("max_minutes", max_minutes);
  r.get("lr", lr);
  r.get("weight_decay", weight_decay);
  r.get("warmup", warmup);
  r.get("cosine", cosine);
  r.get("grad_clip", grad_clip);
  r.get("checkpoint_every", checkpoint_every);
  r.get("keep_checkpoints", keep_checkpoints);
  r.get("seed", seed);
  r.get("device", device);
}

void TrainingOptions::check_training_keys(const std::string& path, int64_t min_steps) const {
  if (steps < min_steps) throw Error(path, "steps must be >= " + std::to_string(min_steps));
  if (!(lr > 0)) throw Error(path, "lr must be positive");
  if (!(max_minutes >= 0)) throw Error(path, "max_minutes must be >= 0 (0: no time limit)");
  if (warmup < 0 || weight_decay < 0 || grad_clip < 0) throw Error(path, "warmup, weight_decay and grad_clip must be >= 0");
  if (checkpoint_every < 1 || keep_checkpoints < 1) throw Error(path, "checkpoint_every and keep_checkpoints must be positive");
}

void TrainingOptions::add_training_keys(nlohmann::json& json) const {
  json.update({{"steps", steps}, {"max_minutes", max_minutes}, {"lr", lr}, {"weight_decay", weight_decay},
               {"warmup", warmup}, {"cosine", cosine}, {"grad_clip", grad_clip}, {"checkpoint_every", checkpoint_every},
               {"keep_checkpoints", keep_checkpoints}, {"seed", seed}, {"device", device}});
}

}  // namespace viva
