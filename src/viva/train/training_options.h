#pragma once
// The keys every trainer config shares, flat in its JSON file: steps, AdamW's learning rate with
// a linear warm-up and an optional cosine decay, weight decay, gradient clipping, checkpoints,
// seed and device. Each trainer's config derives from it and sets its defaults in its constructor.
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace viva {

class ConfigReader;

// Where a trainer config's paths (its model, data and run folders) come from: its file, or the
// caller, which sets them in memory (the ShapesWorld recipe's plan holds trainer settings and
// its stages add the paths). With SetByCaller the path keys are not read, so a file that names
// them is refused as having unknown keys.
enum class ConfigPaths { InFile, SetByCaller };

struct TrainingOptions {
  int64_t steps = 1000;      // optimizer steps
  // Wall-time budget in minutes (0: none), summed over resumed runs: training ends at the first
  // step past it as if `steps` were reached and writes the model. The schedule still follows
  // `steps`, so pair it with a constant learning rate (and EMA) rather than `cosine`.
  double max_minutes = 0;
  double lr = 1e-3;
  double weight_decay = 0.0;
  int64_t warmup = 0;        // linear warm-up steps
  bool cosine = false;       // cosine decay of the learning rate to 5% after the warm-up
  double grad_clip = 1.0;    // max global grad norm; 0 disables
  int64_t checkpoint_every = 100;
  int64_t keep_checkpoints = 2;
  uint64_t seed = 0;
  std::string device = "cpu";

  // The learning rate of the step after `step` steps: linear warm-up over `warmup` steps, then
  // constant, or with `cosine` a cosine decay to 5% of lr at `steps`.
  double learning_rate(int64_t step) const;
  // The gradient norm to clip to (infinite when grad_clip is 0).
  double max_grad_norm() const { return grad_clip > 0 ? grad_clip : std::numeric_limits<double>::infinity(); }

  void read_training_keys(ConfigReader& reader);
  // Throws naming `path` unless steps >= min_steps, lr > 0, max_minutes >= 0 and checkpoint_every,
  // keep_checkpoints >= 1.
  void check_training_keys(const std::string& path, int64_t min_steps = 1) const;
  void add_training_keys(nlohmann::json& json) const;
};

}  // namespace viva
