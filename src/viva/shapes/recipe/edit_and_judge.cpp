#include "viva/shapes/recipe/edit_and_judge.h"

#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/data/manifest.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"
#include "viva/nn/media_tensors.h"
#include "viva/pipeline/edit_job.h"
#include "viva/pipeline/model_folder.h"
#include "viva/shapes/judge/judge_report.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

// Judges the predictions of the rows in `subset`; the report is also written to <out>/<name>.json.
nlohmann::json judge(const EditAndJudgeOptions& o, const std::string& subset, const fs::path& predictions,
                     const std::string& name) {
  shapes::JudgeRunOptions run;
  run.manifest = subset;
  run.predictions = predictions.string();
  run.scenes = (fs::path(o.manifest).parent_path() / "scenes").string();
  run.progress = ProgressMode::Silent;
  const nlohmann::json report = shapes::to_json(shapes::judge_predictions(run));
  write_file_atomically((fs::path(o.out) / (name + ".json")).string(), report.dump(2) + "\n");
  return report;
}

// Each row's target through the model's VAE, written where an edit of the row would go.
void write_vae_round_trips(const EditAndJudgeOptions& o, const std::vector<ManifestRow>& rows,
                           const fs::path& predictions) {
  VivaPipeline pipeline(o.model, parse_device(o.device), torch::kFloat32, PipelineParts::vae_only());
  const VivaModelConfig& config = pipeline.config();
  Progress progress("VAE round trips of the targets (" + (o.split.empty() ? std::string("all") : o.split) + ")",
                    static_cast<int64_t>(rows.size()), ProgressOptions(o.progress).set_unit("clip"));
  torch::NoGradGuard no_grad;
  for (const ManifestRow& row : rows) {
    if (shapes::find_prediction(predictions.string(), row.id).empty()) {
      const int frames = row.kind == SampleKind::Image ? 1 : config.frames;
      const VideoFrames target = read_video_for_model(row.target, config.width, config.height, frames);
      const torch::Tensor x = video_to_tensor(target).unsqueeze(0).to(pipeline.device());
      const torch::Tensor y = pipeline.vae()->decode(pipeline.vae()->encode(x)).clamp(-1, 1);
      write_video((predictions / (row.id + lossless_video_extension())).string(), tensor_to_video(y[0].cpu(), target.fps));
    }
    progress.advance(1);
  }
  progress.finish();
}

}  // namespace

nlohmann::json edit_and_judge(const EditAndJudgeOptions& o) {
  const Manifest manifest = read_manifest(o.manifest);
  const std::string name = (o.split.empty() ? "all" : o.split) + std::string(o.vae_ceiling ? "_vae_ceiling" : "");
  const fs::path out(o.out);
  const fs::path predictions = out / name;
  fs::create_directories(predictions);

  std::vector<ManifestRow> rows;
  for (const ManifestRow& row : manifest.rows)
    if ((o.split.empty() || row.split == o.split) && (o.max_rows <= 0 || static_cast<int64_t>(rows.size()) < o.max_rows))
      rows.push_back(row);
  if (rows.empty()) throw file_error(o.manifest, "has no rows in split '" + name + "'");
  // The rows edited, as a manifest of their own, so the judge scores exactly these.
  const std::string subset = (out / (name + ".jsonl")).string();
  write_manifest(subset, rows);

  if (o.vae_ceiling) {
    write_vae_round_trips(o, rows, predictions);
    return judge(o, subset, predictions, name);
  }
  const torch::Device device = parse_device(o.device);
  SamplingOptions sampling = ModelFolder(o.model).config().sampling;
  sampling.steps = o.steps.value_or(sampling.steps);
  sampling.guidance = o.guidance.value_or(sampling.guidance);
  std::vector<EditJob> jobs;
  for (const ManifestRow& row : rows) {
    if (!shapes::find_prediction(predictions.string(), row.id).empty()) continue;
    EditJob job;
    job.video = row.source;
    job.instruction = row.instruction;
    job.reference = row.reference;
    job.output = (predictions / (row.id + lossless_video_extension())).string();
    job.sampling = sampling;
    jobs.push_back(job);
  }
  // In chunks, so a killed evaluation keeps most of its edits and the bar moves per chunk.
  Progress progress("editing " + name + " with " + o.model, static_cast<int64_t>(jobs.size()),
                    ProgressOptions(o.progress).set_unit("edit"));
  const ProgressOptions quiet = ProgressOptions(o.progress).set_mode(ProgressMode::Silent);
  const std::size_t chunk = 16;
  for (std::size_t begin = 0; begin < jobs.size(); begin += chunk) {
    const std::vector<EditJob> part(jobs.begin() + static_cast<std::ptrdiff_t>(begin),
                                    jobs.begin() + static_cast<std::ptrdiff_t>(std::min(jobs.size(), begin + chunk)));
    VivaPipeline pipeline(o.model, device, torch::kFloat32);  // run_edit_jobs releases the encoders
    for (const EditResult& r : run_edit_jobs(pipeline, part, quiet))
      if (!r.error.empty()) std::fprintf(stderr, "viva: warning: %s: %s\n", r.output.c_str(), r.error.c_str());
    progress.advance(static_cast<int64_t>(part.size()));
  }
  progress.finish();
  return judge(o, subset, predictions, name);
}

}  // namespace viva
