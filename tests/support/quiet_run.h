#pragma once
// A trainer's run options for tests: no progress line, resumed or stopped early when asked.
#include <cstdint>

#include "viva/train/trainer.h"

namespace viva::testing {

inline TrainRunOptions quiet_run(bool resume = false, int64_t stop_after = 0) {
  TrainRunOptions run;
  run.resume = resume;
  run.stop_after = stop_after;
  run.progress.set_mode(ProgressMode::Silent);
  return run;
}

}  // namespace viva::testing
