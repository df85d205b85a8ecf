#pragma once
// The bookkeeping every trainer's step loop shares: progress with ETA, stop requests (SIGINT /
// SIGTERM, or a step budget for this run), and when to write a checkpoint — every N steps, at
// the last step and before stopping — with "checkpoint" and "stopped" events in the JSONL log.
#include <cstdint>
#include <functional>
#include <string>

#include "viva/core/jsonl_log.h"
#include "viva/core/progress.h"
#include "viva/train/stop_signal.h"

namespace viva {

class TrainLoop {
 public:
  // `stop_after` > 0 stops this run after that many steps (tests and time-sliced jobs).
  TrainLoop(const std::string& label, int64_t steps, int64_t start_step, int64_t checkpoint_every, int64_t stop_after,
            const ProgressOptions& progress, JsonlLog& log);

  // After optimizer step `step` completed: reports progress, calls `save_checkpoint` when one is
  // due, and returns false when the loop must end before the last step (stop requested).
  bool step_done(int64_t step, const std::function<void()>& save_checkpoint);
  void finish() { progress_.finish(); }

 private:
  int64_t steps_, start_step_, checkpoint_every_, stop_after_;
  JsonlLog& log_;
  StopSignal stop_;
  Progress progress_;
};

}  // namespace viva
