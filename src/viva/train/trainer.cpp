#include "viva/train/trainer.h"

#include <algorithm>
#include <filesystem>

#include "viva/core/error.h"
#include "viva/train/train_loop.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

double figure(const nlohmann::json& line, const std::string& name, const char* where) {
  if (!line.contains(name) || !line.at(name).is_number())
    throw Error("training result", std::string("no figure '") + name + "' in " + where);
  return line.at(name).get<double>();
}

}  // namespace

double TrainResult::first(const std::string& name) const { return figure(first_step, name, "the first step"); }
double TrainResult::last(const std::string& name) const { return figure(last_step, name, "the last step"); }
double TrainResult::reported(const std::string& name) const { return figure(report, name, "the report"); }

uint64_t micro_batch_seed(uint64_t seed, int64_t step, int64_t slot) {
  const uint64_t base = step_seed(seed, step);
  return slot == 0 ? base : step_seed(base, slot);
}

double ema_decay(double decay, int64_t step) {
  return std::min(decay, static_cast<double>(1 + step) / static_cast<double>(10 + step));
}

Trainer::Trainer(std::string label, const TrainingOptions& config, nlohmann::json config_json, std::string out,
                 TrainRunOptions run)
    : label_(std::move(label)), config_(config), config_json_(std::move(config_json)), out_(std::move(out)),
      run_(std::move(run)) {}

Trainer::~Trainer() = default;

void Trainer::start(torch::nn::Module& module, std::vector<torch::Tensor> parameters, torch::optim::AdamWOptions adamw,
                    const nlohmann::json& start_fields) {
  module_ = &module;
  parameters_ = std::move(parameters);
  reducer().synchronize(parameters_);  // every rank starts from rank 0's weights
  if (!writes()) run_.progress.set_mode(ProgressMode::Silent);
  optimizer_ = std::make_unique<torch::optim::AdamW>(parameters_, adamw);
  if (ema_decay_ > 0)
    for (const auto& p : module.named_parameters()) ema_.push_back({p.key(), p.value().detach().clone()});
  fs::create_directories(out_);
  checkpoints_ = std::make_unique<TrainCheckpoints>(out_, config_.keep_checkpoints);
  if (reducer().sharded()) {
    if (ema_decay_ > 0) throw Error(label_, "an EMA is not kept with sharded training yet");
    checkpoints_->shard(rank(), reducer().world_size(), [this] { reducer().wait_for_writers(); });
  }
  const TrainState resumed = checkpoints_->start(run_.resume, module, *optimizer_, ema_);
  result_.start_step = result_.end_step = resumed.step;
  log_ = std::make_unique<JsonlLog>(writes() ? (fs::path(out_) / "metrics.jsonl").string() : std::string());
  nlohmann::json fields = {{"step", resumed.step}};
  fields.update(start_fields);
  fields["config"] = config_json_;
  log_->write(run_.resume ? "resume" : "start", fields);
  loop_ = std::make_unique<TrainLoop>(label_, config_, resumed, run_.stop_after, run_.progress, *log_);
}

namespace {

// Gradients dropped, not zeroed: libtorch 2.x's zero_grad() does so by default and 1.x's zeroes
// them, so it is done here by hand for both. Their memory goes between steps, and AdamW leaves
// a parameter that had no gradient in a step as it is, on either version.
void drop_gradients(torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
}

}  // namespace

bool Trainer::run(int64_t micro_steps, const std::function<void(MicroStep&)>& micro_step,
                  const std::function<void(StepFigures&)>& after_update) {
  if (!loop_) throw Error(label_, "Trainer::run before Trainer::start");
  GradientReducer& workers = reducer();
  // A step's figures over the ranks; a sequence-parallel group's ranks gave the same ones.
  const auto sum = [&workers](std::vector<double>& values) {
    workers.sum(values);
    for (double& v : values) v /= workers.ranks_per_sample();
  };
  const auto agree = [&workers](bool& stop, double& elapsed_s) {
    if (workers.world_size() == 1) return;
    std::vector<double> v{stop ? 1.0 : 0.0, elapsed_s};
    workers.sum(v);
    stop = v[0] > 0;
    elapsed_s = v[1] / workers.world_size();  // the ranks' mean: the same on all
  };
  // Reduction over the ranks, clipping and AdamW on the gradients accumulated so far; returns
  // the gradient norm before clipping.
  const auto update = [&]() {
    std::vector<torch::Tensor> grads;
    for (const auto& p : parameters_)
      if (p.grad().defined()) grads.push_back(p.grad());
    workers.reduce(grads);  // nothing to do for one unsharded process
    const double grad_norm = workers.clip_gradients(parameters_, config_.max_grad_norm());
    optimizer_->step();
    return grad_norm;
  };
  int64_t step = result_.end_step;
  while (loop_->more(step)) {
    const double lr = config_.learning_rate(step);
    set_learning_rate(*optimizer_, lr);
    drop_gradients(*optimizer_);
    StepFigures figures;
    int64_t updates = 1;
    for (int64_t index = 0; index < micro_steps; ++index) {
      torch::Generator generator = at::detail::createCPUGenerator(
          micro_batch_seed(config_.seed, step, workers.sample_rank() * micro_steps + index));
      MicroStep m{step, index, micro_steps, generator, figures, [&] {
                    update();
                    drop_gradients(*optimizer_);
                    ++updates;
                  }};
      if (index + 1 == micro_steps) workers.before_last_backward();
      micro_step(m);
    }
    if (updates > 1) figures.set("updates", static_cast<double>(updates));
    if (workers.world_size() > 1) figures.combine(sum);
    const double grad_norm = update();
    if (!ema_.empty()) {
      torch::NoGradGuard no_grad;
      const double decay = ema_decay(ema_decay_, step + 1);
      std::size_t i = 0;
      for (const auto& p : module_->parameters()) ema_[i++].second.mul_(decay).add_(p.detach(), 1.0 - decay);
    }
    if (after_update) after_update(figures);
    ++step;
    nlohmann::json line = {{"step", step}};
    line.update(figures.fields());
    line.update({{"lr", lr}, {"grad_norm", grad_norm}, {"elapsed_s", loop_->elapsed_s()}});
    if (const double share = workers.reduced_in_backward(); share > 0) line["reduced_in_backward"] = share;
    log_->write("step", line);
    if (result_.first_step.empty()) result_.first_step = line;
    result_.last_step = line;
    result_.end_step = step;
    const auto save = [&](double elapsed_s) {
      if (writes() || workers.sharded())  // sharded: every rank writes its part
        checkpoints_->save(TrainState{step, config_json_, elapsed_s, workers.shard_layout()}, *module_, *optimizer_,
                           ema_);
      // Otherwise rank 0 writes alone, and the others would wait for it in the next step's
      // collectives, which time out long before a large model's state is written.
      if (!workers.sharded() && workers.world_size() > 1) workers.wait_for_writers();
    };
    if (!loop_->step_done(step, save, agree)) break;
  }
  loop_->finish();
  return loop_->complete(step);
}

double Trainer::state_bytes() const {
  double bytes = 0;
  for (const auto& p : parameters_) bytes += static_cast<double>(p.nbytes() + (p.grad().defined() ? p.grad().nbytes() : 0));
  if (!optimizer_) return bytes;
  for (const auto& entry : optimizer_->state())
    if (const auto* adamw = dynamic_cast<const torch::optim::AdamWParamState*>(entry.second.get()))
      bytes += static_cast<double>(adamw->exp_avg().nbytes() + adamw->exp_avg_sq().nbytes());
  return bytes;
}

TrainResult Trainer::finish(const std::string& output, const nlohmann::json& report) {
  result_.output = output;
  result_.report = report;
  result_.finished = true;
  nlohmann::json fields = {{"step", result_.end_step}, {"output", output}, {"state_bytes", state_bytes()}};
  fields.update(report);
  log_->write("finished", fields);
  return result_;
}

}  // namespace viva
