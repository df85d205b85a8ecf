#pragma once
// `viva train sft --config run.json`: supervised fine-tuning of the VIVA DiT on a condition
// cache with the masked rectified-flow loss (paper Eq. 3; viva.md §2 Loss, Image pairs).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "viva/train/dit_scale_options.h"
#include "viva/train/training_options.h"

namespace viva {

struct SftConfig : TrainingOptions, DitScaleOptions {
  SftConfig() { lr = 2e-5; weight_decay = 0.01; }

  std::string model;    // VIVA model folder to start from (its transformer is trained)
  std::string cache;    // condition cache folder (viva data encode)
  std::string out;      // run folder: checkpoints, metrics.jsonl, loss.png, model/
  int64_t batch_size = 1;
  int64_t grad_accum = 1;             // micro-batches per optimizer step
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double ema = 0.0;                   // EMA decay of the weights (e.g. 0.999; warmed up, ema_decay); 0 disables
  double video_probability = 0.4;     // P(video batch); image batches otherwise (viva.md §2)
  double mask_weight = 1.0;           // w_m in (1 + w_m·M)
  std::optional<double> shift;        // σ shift for training timesteps; empty: the model's sampling shift
  double high_noise_fraction = 0.0;   // share of samples whose σ uses high_noise_shift instead (a mixture)
  double high_noise_shift = 20.0;     // 20: half of those samples at σ ≥ 0.95, where sampling starts
  double instruction_dropout = 0.1;   // P(train a sample on the empty instruction), for guidance
  // Sampling weight per task (the cache index's task, e.g. {"background": 0.25}): a sample of a
  // task weighs that much against 1 for tasks not named, within its kind (video / image); 0
  // leaves the task out. Scene-wide edits are learnt from far fewer samples than object edits.
  std::map<std::string, double> task_weights;
  // DitScaleOptions: bf16 keeps float32 master weights; "sharding": "full" shards the weights,
  // gradients and AdamW state (fully_sharded.h); the world size divided by sequence_parallel is
  // the number of samples a step draws per micro-batch slot.
  // Data parallel: the size of the gradient buckets whose all-reduce starts during backward.
  double reduce_bucket_mb = 25;

  static SftConfig read(const std::string& path);
  // The same from JSON; errors name `source`.
  static SftConfig from_json(const nlohmann::json& json, const std::string& source,
                             ConfigPaths paths = ConfigPaths::InFile);
  nlohmann::json to_json() const;
};

}  // namespace viva
