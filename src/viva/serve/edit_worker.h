#pragma once
// The server's one editor: a thread that owns the resident model and runs the store's jobs
// oldest first, reporting each job's stage and steps to the store (which answers status
// requests and carries cancellation back as an exception from the progress callback).
#include <torch/torch.h>

#include <memory>
#include <string>
#include <thread>

#include "viva/core/jsonl_log.h"
#include "viva/pipeline/viva_pipeline.h"
#include "viva/serve/edit_job_store.h"

namespace viva {

class EditWorker {
 public:
  // The model with every component resident (the encoders are not freed between jobs).
  static std::unique_ptr<VivaPipeline> load_model(const std::string& model, torch::Device device,
                                                  torch::ScalarType dtype);
  EditWorker(EditJobStore& store, std::unique_ptr<VivaPipeline> pipeline, JsonlLog& log);
  ~EditWorker();  // closes the store and waits for the running job's next step
  EditWorker(const EditWorker&) = delete;
  EditWorker& operator=(const EditWorker&) = delete;

  void start();
  // What GET /v1/model answers.
  nlohmann::json model_info() const;

 private:
  void run();
  void run_job(const ServeJob& job);

  EditJobStore& store_;
  JsonlLog& log_;
  std::unique_ptr<VivaPipeline> pipeline_;
  std::thread thread_;
};

}  // namespace viva
