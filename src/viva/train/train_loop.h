#pragma once
// The bookkeeping every trainer's step loop shares: progress with ETA, stop requests (SIGINT /
// SIGTERM, or a step budget for this run), the wall-time budget (TrainingOptions::max_minutes,
// counted over resumed runs through the checkpoints), and when to write a checkpoint — every N
// steps, at the last step and before stopping — with "checkpoint", "stopped" and "time_limit"
// events in the JSONL log.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "viva/core/jsonl_log.h"
#include "viva/core/progress.h"
#include "viva/train/stop_signal.h"
#include "viva/train/train_checkpoint.h"
#include "viva/train/training_options.h"

namespace viva {

class TrainLoop {
 public:
  // `resumed`: the state training starts from (step 0 for a fresh run). `stop_after` > 0 stops
  // this run after that many steps (tests and time-sliced jobs).
  TrainLoop(const std::string& label, const TrainingOptions& options, const TrainState& resumed, int64_t stop_after,
            const ProgressOptions& progress, JsonlLog& log);

  // Whether another step is due after `step` steps: steps remain and the time budget does not
  // forbid it.
  bool more(int64_t step) const { return step < options_.steps && !out_of_time_; }
  // After optimizer step `step` completed: reports progress, calls `save_checkpoint` with the
  // training time so far when one is due, and returns false when the loop must end before the
  // last step (stop requested). With several ranks, `agree` makes every rank's decision the
  // same: it turns this rank's (stop requested, elapsed seconds) into (any rank's request, the
  // largest elapsed time).
  bool step_done(int64_t step, const std::function<void(double elapsed_s)>& save_checkpoint,
                 const std::function<void(bool& stop, double& elapsed_s)>& agree = {});
  // Whether training is complete after `step` steps: all steps done, or the time budget spent.
  bool complete(int64_t step) const { return step >= options_.steps || out_of_time_; }
  void finish() { progress_.finish(); }

  // Training wall time in seconds, including the resumed runs'.
  double elapsed_s() const;

 private:
  bool budget_spent(double elapsed_s) const {
    return options_.max_minutes > 0 && elapsed_s >= 60.0 * options_.max_minutes;
  }

  const TrainingOptions& options_;
  int64_t start_step_, stop_after_;
  double resumed_elapsed_s_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool out_of_time_;  // decided once per step, in step_done, so the last step gets its checkpoint
  JsonlLog& log_;
  StopSignal stop_;
  Progress progress_;
};

}  // namespace viva
