#pragma once
// The skeleton the five trainers (SFT, VAE, CLIP, VLM, Edit-GRPO) share. Each `train_*(config,
// run)` builds its model and data, then hands the Trainer the module to train and its step:
//
//   Trainer trainer("training the VAE", config, config.to_json(), config.out, run);
//   trainer.start(*vae, vae->parameters(), adamw_options(config), {{"clips", clips.size()}});
//   if (!trainer.run(1, [&](MicroStep& m) { ... m.backward(loss); m.figures.mean("loss", ...); }))
//     return trainer.result();  // stopped before the last step: a checkpoint to resume from
//   ... measure, write <out>/model ...
//   return trainer.finish(model_folder, report);
//
// The Trainer owns what is the same for all: resume from the latest checkpoint, the per-micro-batch
// generators (seeded by seed, step and slot, so a resumed run draws exactly what an uninterrupted
// one would, and data-parallel ranks draw what one process would), the learning-rate schedule, gradient accumulation, reduction across workers and
// clipping, AdamW, an optional EMA, the JSONL "start", "step" and "finished" lines, checkpoints,
// the wall-time budget and stop requests (TrainLoop), and the result. With several ranks (a
// reducer such as DataParallel), the ranks start from rank 0's weights, agree on figures and
// stopping, and only rank 0 writes.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "viva/core/distributed.h"
#include "viva/core/jsonl_log.h"
#include "viva/core/progress.h"
#include "viva/train/gradient_reducer.h"
#include "viva/train/step_figures.h"
#include "viva/train/train_checkpoint.h"
#include "viva/train/training_options.h"

namespace viva {

class TrainLoop;

// How one run of a trainer goes; the same for all five.
struct TrainRunOptions {
  bool resume = false;     // continue from <out>/checkpoints/latest
  int64_t stop_after = 0;  // > 0: stop (with a checkpoint) after this many steps in this run
  ProgressOptions progress;
  GradientReducer* reducer = nullptr;  // null: single process (else e.g. DataParallel)
  LaunchEnvironment launch;            // this process's rank, when a launcher started several
  ProcessGroup* group = nullptr;       // the ranks' process group, when several
};

// What a run of any trainer leaves.
struct TrainResult {
  int64_t start_step = 0, end_step = 0;
  bool finished = false;  // every step done (or the time budget spent): `output` exists
  std::string output;     // the trained model folder (Edit-GRPO: the LoRA file)
  nlohmann::json first_step = nlohmann::json::object();  // this run's first and last "step" lines
  nlohmann::json last_step = nlohmann::json::object();
  nlohmann::json report = nlohmann::json::object();  // what the trainer measured at the end

  // A figure of this run's first or last step line, or of the report; throws when absent.
  double first(const std::string& name) const;
  double last(const std::string& name) const;
  double reported(const std::string& name) const;
};

// One micro-batch of an optimizer step, as a trainer's step function sees it.
struct MicroStep {
  int64_t step;                 // optimizer steps completed before this one
  int64_t index, count;         // micro-batch `index` of this rank's `count` in the step
  // The micro-batch's generator, seeded by (seed, step, slot) where slot = sample rank x count +
  // index (micro_batch_seed; the sample rank is the rank, or its sequence-parallel group's
  // index): W ranks with accumulation A draw exactly what one process with accumulation W x A
  // draws.
  torch::Generator& generator;
  StepFigures& figures;         // what the step's line reports

  // Applies the gradients accumulated so far as an optimizer update now (reduced over the ranks,
  // clipped, AdamW; no EMA) and zeroes them; the step still ends with its own update. For
  // several updates per sampled batch (Edit-GRPO's updates_per_group); every rank must call it
  // equally often.
  std::function<void()> update;

  // Backpropagates the micro-batch's loss as its share of the step's mean loss.
  void backward(const torch::Tensor& loss) const { (loss / static_cast<double>(count)).backward(); }
};

// The EMA decay applied after optimizer step `step` (1-based): `decay`, warmed up as
// min(decay, (1 + step) / (10 + step)), so that a short run's average is not its initial weights
// (a plain 0.999 leaves 0.999^1200 = 30% of them in a 1200-step run's average).
double ema_decay(double decay, int64_t step);

// The seed of micro-batch `slot` of step `step`; slot 0 keeps step_seed(seed, step).
uint64_t micro_batch_seed(uint64_t seed, int64_t step, int64_t slot);

class Trainer {
 public:
  // `label` names the progress line; `config_json` is what the start line and every checkpoint
  // record; `out` is the run folder (checkpoints, metrics.jsonl).
  Trainer(std::string label, const TrainingOptions& config, nlohmann::json config_json, std::string out,
          TrainRunOptions run);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Keeps an exponential moving average of the module's parameters (decay warmed up by
  // ema_decay), saved with every checkpoint. Call before start().
  void keep_ema(double decay) { ema_decay_ = decay; }
  // Creates the run folder, AdamW over `parameters` (of `module`, which checkpoints hold),
  // resumes when asked and writes the "start" (or "resume") line with `start_fields`.
  void start(torch::nn::Module& module, std::vector<torch::Tensor> parameters, torch::optim::AdamWOptions adamw,
             const nlohmann::json& start_fields);
  // Runs the steps left: per step `micro_steps` calls of `micro_step`, then the reduction,
  // clipping and AdamW step, the EMA, `after_update` (which may add figures), the step's line and
  // the checkpoint when one is due. Returns whether training is complete (false: stopped).
  bool run(int64_t micro_steps, const std::function<void(MicroStep&)>& micro_step,
           const std::function<void(StepFigures&)>& after_update = {});
  // After a complete run: the result with its output and report, and the "finished" line.
  TrainResult finish(const std::string& output, const nlohmann::json& report = nlohmann::json::object());

  // This process's rank; only rank 0 writes the log, checkpoints and outputs.
  int rank() const { return reducer().rank(); }
  int world_size() const { return reducer().world_size(); }
  // Sequence parallel: the ranks sharing each sample, and which sample group this rank is in.
  int ranks_per_sample() const { return reducer().ranks_per_sample(); }
  int sample_rank() const { return reducer().sample_rank(); }
  // Elementwise sum of `values` over the ranks (unchanged with one process).
  void sum_over_ranks(std::vector<double>& values) const { reducer().sum(values); }
  bool writes() const { return rank() == 0; }
  const TrainResult& result() const { return result_; }
  // Bytes this rank holds for the trained parameters, their gradients and AdamW's moments
  // (measured; the "finished" line reports it as state_bytes).
  double state_bytes() const;
  const std::string& out() const { return out_; }
  JsonlLog& log() { return *log_; }
  // The EMA weights under the module's parameter names (empty without keep_ema).
  const std::vector<std::pair<std::string, torch::Tensor>>& ema() const { return ema_; }

 private:
  GradientReducer& reducer() const { return run_.reducer ? *run_.reducer : local_; }

  torch::AutoGradMode grad_mode_{true};  // trains even when the caller holds a NoGradGuard
  std::string label_;
  const TrainingOptions& config_;
  nlohmann::json config_json_;
  std::string out_;
  TrainRunOptions run_;
  mutable LocalGradients local_;
  double ema_decay_ = 0;
  std::unique_ptr<JsonlLog> log_;
  std::unique_ptr<TrainCheckpoints> checkpoints_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<TrainLoop> loop_;
  torch::nn::Module* module_ = nullptr;
  std::vector<torch::Tensor> parameters_;
  std::vector<std::pair<std::string, torch::Tensor>> ema_;
  TrainResult result_;
};

}  // namespace viva
