#pragma once
// Edits the pairs of one ShapesWorld split with a model and scores the edits with the oracle
// judge: the measurement behind the recipe's evaluation and the ablation table.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "viva/core/progress.h"

namespace viva {

struct EditAndJudgeOptions {
  std::string model;     // VIVA model folder
  std::string manifest;  // a `viva data shapes` manifest (scenes/ beside it)
  std::string split;     // "" = every row
  std::string out;       // folder: <split>/ predictions, <split>.jsonl (the rows edited), <split>.json (report)
  int64_t max_rows = 0;  // the first this many rows of the split; 0: all
  std::optional<int> steps;        // sampling steps; empty: the model's
  std::optional<double> guidance;  // empty: the model's
  std::string device = "cpu";
  // Instead of editing, pass each row's target through the model's VAE (encode, decode): what a
  // perfect editor could reach through this VAE. Outputs are named <split>_vae_ceiling.
  bool vae_ceiling = false;
  ProgressOptions progress;
};

// Predictions already on disk are kept (a killed evaluation resumes). Returns the judge report
// as JSON (shapes/judge/judge_report.h), also written to <out>/<split or "all">.json.
nlohmann::json edit_and_judge(const EditAndJudgeOptions& options);

}  // namespace viva
