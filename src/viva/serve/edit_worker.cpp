#include "viva/serve/edit_worker.h"

#include <cstdio>

#include "viva/core/device.h"
#include "viva/pipeline/edit_job.h"

namespace viva {
std::unique_ptr<VivaPipeline> EditWorker::load_model(const std::string& model, torch::Device device,
                                                     torch::ScalarType dtype) {
  PipelineParts parts;
  parts.offload = Offload::None;
  return std::make_unique<VivaPipeline>(model, device, dtype, parts);
}

EditWorker::EditWorker(EditJobStore& store, std::unique_ptr<VivaPipeline> pipeline, JsonlLog& log)
    : store_(store), log_(log), pipeline_(std::move(pipeline)) {}

EditWorker::~EditWorker() {
  store_.close();
  if (thread_.joinable()) thread_.join();
}

void EditWorker::start() {
  thread_ = std::thread([this] {
    make_current(pipeline_->device());  // a new thread starts on the first GPU
    run();
  });
}

nlohmann::json EditWorker::model_info() const {
  const VivaModelConfig& c = pipeline_->config();
  return {{"path", pipeline_->model().path()},
          {"device", pipeline_->device().str()},
          {"width", c.width},
          {"height", c.height},
          {"frames", c.frames},
          {"sampling", {{"steps", c.sampling.steps}, {"cfg", c.sampling.guidance}, {"seed", c.sampling.seed}}}};
}

void EditWorker::run() {
  while (auto job = store_.take_next()) run_job(*job);
}

void EditWorker::run_job(const ServeJob& job) {
  log_.write("job_started", {{"id", job.id}, {"run", job.runs}});
  EditJob edit;
  edit.video = store_.source_path(job.id);
  edit.instruction = job.request.instruction;
  if (job.request.has_reference) edit.reference = store_.reference_path(job.id);
  edit.output = store_.edited_path(job.id, job.request.format);
  edit.side_by_side = store_.side_by_side_path(job.id);
  edit.window = job.request.window;
  edit.sampling = pipeline_->config().sampling;
  edit.sampling.steps = job.request.steps.value_or(edit.sampling.steps);
  edit.sampling.guidance = job.request.cfg.value_or(edit.sampling.guidance);
  edit.sampling.seed = job.request.seed.value_or(edit.sampling.seed);
  const std::vector<EditResult> results =
      run_edit_jobs(*pipeline_, {edit}, ProgressOptions().set_mode(ProgressMode::Silent), true,
                    [&](const std::string& stage, int64_t done, int64_t total) { store_.report(job.id, stage, done, total); });
  // Shutting down: left as running on disk, so the next start runs it again.
  if (store_.closed()) return;
  const EditResult& r = results.at(0);
  if (r.error.empty()) {
    store_.finish(job.id, ServeJobState::Done);
    log_.write("job_done", {{"id", job.id}, {"sample_s", r.times.sample_s}, {"encode_s", r.times.encode_s}});
    return;
  }
  const std::string error = store_.as_client_sees_it(r.error, job.id);
  store_.finish(job.id, ServeJobState::Failed, error);
  const auto state = store_.find(job.id);
  log_.write(state && state->state == ServeJobState::Cancelled ? "job_cancelled" : "job_failed",
             {{"id", job.id}, {"error", error}});
}

}  // namespace viva
