#include "viva/recipe/edit_and_judge.h"

#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/data/manifest.h"
#include "viva/eval/shapes/judge_report.h"
#include "viva/pipeline/edit_job.h"

namespace viva {
namespace fs = std::filesystem;

nlohmann::json edit_and_judge(const EditAndJudgeOptions& o) {
  const Manifest manifest = read_manifest(o.manifest);
  const std::string name = o.split.empty() ? "all" : o.split;
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

  const torch::Device device = parse_device(o.device);
  SamplingOptions sampling = VivaModelConfig::read(o.model).sampling;
  if (o.steps > 0) sampling.steps = o.steps;
  if (o.guidance > 0) sampling.guidance = o.guidance;
  std::vector<EditJob> jobs;
  for (const ManifestRow& row : rows) {
    if (!shapes::find_prediction(predictions.string(), row.id).empty()) continue;
    EditJob job;
    job.video = row.source;
    job.instruction = row.instruction;
    job.reference = row.reference;
    job.output = (predictions / (row.id + ".mkv")).string();
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

  shapes::JudgeRunOptions judge;
  judge.manifest = subset;
  judge.predictions = predictions.string();
  judge.scenes = (fs::path(o.manifest).parent_path() / "scenes").string();
  judge.progress = ProgressMode::Silent;
  const nlohmann::json report = shapes::to_json(shapes::judge_predictions(judge));
  write_file_atomically((out / (name + ".json")).string(), report.dump(2) + "\n");
  return report;
}

}  // namespace viva
