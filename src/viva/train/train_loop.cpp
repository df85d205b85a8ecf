#include "viva/train/train_loop.h"

#include <algorithm>

namespace viva {

TrainLoop::TrainLoop(const std::string& label, const TrainingOptions& options, const TrainState& resumed,
                     int64_t stop_after, const ProgressOptions& progress, JsonlLog& log)
    : options_(options),
      start_step_(resumed.step),
      stop_after_(stop_after),
      resumed_elapsed_s_(resumed.elapsed_s),
      out_of_time_(budget_spent(resumed.elapsed_s)),
      log_(log),
      progress_(label, options.steps,
                ProgressOptions(progress).set_unit("step").set_time_limit(
                    // What the budget leaves this run; a spent budget still shows "ETA 0".
                    options.max_minutes > 0 ? std::max(60.0 * options.max_minutes - resumed.elapsed_s, 1e-9) : 0.0)) {
  progress_.resume_from(resumed.step);
}

double TrainLoop::elapsed_s() const {
  return resumed_elapsed_s_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

bool TrainLoop::step_done(int64_t step, const std::function<void(double)>& save_checkpoint,
                          const std::function<void(bool&, double&)>& agree) {
  progress_.update(step);
  bool signalled = stop_.requested();
  // One reading of the clock per step: the budget decision, the checkpoint and the log agree.
  double elapsed = elapsed_s();
  if (agree) agree(signalled, elapsed);
  const bool stopping = signalled || (stop_after_ > 0 && step - start_step_ >= stop_after_);
  const bool time_up = step < options_.steps && budget_spent(elapsed);
  out_of_time_ = time_up;
  if (step % options_.checkpoint_every == 0 || step == options_.steps || stopping || time_up) {
    save_checkpoint(elapsed);
    log_.write("checkpoint", {{"step", step}});
  }
  if (time_up)
    log_.write("time_limit", {{"step", step}, {"elapsed_s", elapsed}, {"max_minutes", options_.max_minutes}});
  if (stopping && !complete(step)) {
    log_.write("stopped", {{"step", step}, {"reason", signalled ? "signal" : "stop_after"}});
    return false;
  }
  return true;
}

}  // namespace viva
