#pragma once
// `viva eval vlm`: every manifest row that has a prediction is scored by the VLM judge
// (vlm_judge.h); scores are averaged per task and overall. The judge sees evenly spaced frames
// of the prediction and of the source's first as many frames as the prediction has (an edit
// covers the start of its source). A row whose prediction is missing
// is counted, not scored; a row the judge could not score is counted as failed and the run
// goes on.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "viva/core/progress.h"
#include "viva/data/manifest.h"
#include "viva/vlm/vlm_judge.h"

namespace viva {

struct VlmEvalOptions {
  std::string manifest;
  std::string predictions;  // folder holding <id>.mkv, <id>.mp4 or <id>/ (PNG frames)
  int frames = 8;           // evenly spaced frames of each video shown to the judge
  int max_side = 512;       // frames and reference shrunk to fit this many pixels
  std::string split;        // only rows of this split; "" = all
  int jobs = 1;             // requests in flight at once
  std::string log;          // JSONL log of every item; "" = none
  ProgressMode progress = ProgressMode::Auto;
};

struct VlmEvalItem {
  std::string id, task, prediction;
  bool has_reference = false;
  bool ok = false;
  JudgeScores scores;  // when ok
  std::string error;   // when not
  int attempts = 0;
};

struct VlmEvalReport {
  std::string manifest, predictions, model, url;
  int frames = 0;
  std::vector<VlmEvalItem> items;         // rows with a prediction, in manifest order
  std::vector<std::string> missing;       // ids of rows without a prediction
  std::vector<ManifestProblem> problems;  // manifest lines that did not parse
  int64_t failed() const;
};

// The prediction for a row: <dir>/<id>.mkv, <dir>/<id>.mp4 or the folder <dir>/<id>/, in that
// order; "" when none exists.
std::string find_prediction(const std::string& dir, const std::string& id);

VlmEvalReport run_vlm_eval(const VlmClient& client, const VlmEvalOptions& options);
// One row judged: its source (cut to the prediction's length) and `item.prediction` shown to the
// judge as `options.frames` frames each; fills item.scores and ok, or error.
void judge_prediction(const VlmClient& client, const ManifestRow& row, const VlmEvalOptions& options, VlmEvalItem& item);

// Means over the scored items, per task and overall, with every item's scores or error.
nlohmann::ordered_json vlm_eval_json(const VlmEvalReport& report);
// The per-task and overall table printed by the command.
std::string vlm_eval_table(const VlmEvalReport& report);

}  // namespace viva
