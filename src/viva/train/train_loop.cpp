#include "viva/train/train_loop.h"

namespace viva {

TrainLoop::TrainLoop(const std::string& label, int64_t steps, int64_t start_step, int64_t checkpoint_every,
                     int64_t stop_after, const ProgressOptions& progress, JsonlLog& log)
    : steps_(steps),
      start_step_(start_step),
      checkpoint_every_(checkpoint_every),
      stop_after_(stop_after),
      log_(log),
      progress_(label, steps, ProgressOptions(progress).set_unit("step")) {
  progress_.resume_from(start_step);
}

bool TrainLoop::step_done(int64_t step, const std::function<void()>& save_checkpoint) {
  progress_.update(step);
  const bool signalled = stop_.requested();
  const bool stopping = signalled || (stop_after_ > 0 && step - start_step_ >= stop_after_);
  if (step % checkpoint_every_ == 0 || step == steps_ || stopping) {
    save_checkpoint();
    log_.write("checkpoint", {{"step", step}});
  }
  if (stopping && step < steps_) {
    log_.write("stopped", {{"step", step}, {"reason", signalled ? "signal" : "stop_after"}});
    return false;
  }
  return true;
}

}  // namespace viva
