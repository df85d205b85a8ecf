#pragma once
// `viva eval shapes`: the oracle judge over a manifest's pairs and a folder of predictions,
// aggregated per task, per split and overall, as a Markdown table and as JSON.
//
// Predictions are looked up as PRED/<id>.mkv, PRED/<id>.mp4, PRED/<id>.png or a folder of PNG
// frames PRED/<id>/; ground truth as <manifest folder>/scenes/<id>.json. A missing prediction is
// counted, not fatal; so is one that cannot be scored (unreadable, wrong size or frame count).
#include <nlohmann/json_fwd.hpp>

#include <map>
#include <string>
#include <vector>

#include "viva/core/progress.h"
#include "viva/shapes/judge/shapes_judge.h"

namespace viva::shapes {

struct JudgeRunOptions {
  std::string manifest;
  std::string predictions;
  std::string scenes;  // default: <manifest folder>/scenes
  std::string split;   // only rows of this split ("" = all)
  JudgeOptions judge;
  int jobs = 0;  // 0: one per core
  ProgressMode progress = ProgressMode::Auto;
};

// Means skip NaN values; PSNR of identical pixels (infinite) counts as 100 dB.
struct ScoreAggregate {
  int64_t clips = 0, missing = 0, failed = 0, scored = 0, followed = 0;
  double psnr = 0, ssim = 0, stability = 0, flicker = 0, artefact = 0;
  int64_t psnr_n = 0, ssim_n = 0, stability_n = 0, flicker_n = 0, artefact_n = 0;

  void add(const ClipScore& score);
  double followed_share() const { return clips ? static_cast<double>(followed) / static_cast<double>(clips) : 0.0; }
};

struct JudgeReport {
  std::string manifest, predictions;
  std::vector<ClipScore> clips;  // manifest order
  ScoreAggregate all;
  std::map<std::string, ScoreAggregate> by_task, by_split;
};

// Throws viva::Error when the manifest or the prediction folder cannot be read.
JudgeReport judge_predictions(const JudgeRunOptions& options);

// Path of the prediction for `id` in `folder`, or "" when there is none.
std::string find_prediction(const std::string& folder, const std::string& id);

std::string report_table(const JudgeReport& report);
nlohmann::json to_json(const JudgeReport& report);
// One aggregate's figures as to_json writes them (means, NaN-free: null when there is none).
nlohmann::json aggregate_to_json(const ScoreAggregate& aggregate);

}  // namespace viva::shapes
