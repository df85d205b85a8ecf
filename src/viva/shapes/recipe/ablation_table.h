#pragma once
// The ablation table (paper Table 2) from oracle-judge reports (shapes/judge/judge_report.h JSON):
// one row per variant; columns per task of the single-operation test split, the test split as a
// whole, the hybrid split and the video-stylisation transfer probe; three tables for instruction
// following (%), preservation (PSNR outside the edit mask, dB) and artefacts.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace viva {

struct AblationVariant {
  std::string name;   // "vanilla", "v", ...
  std::string label;  // "Vanilla", "+V", ...
  std::string description;
  // Judge reports (to_json(JudgeReport)) by role: "test", "hybrid", "probe"; a role may be absent.
  nlohmann::json reports = nlohmann::json::object();
};

// {"variants": [{name, label, description, columns: {column: {followed, psnr, artefact, clips}}}],
//  "columns": [...]}
nlohmann::json ablation_json(const std::vector<AblationVariant>& variants);
// Markdown: the three tables and a line per variant saying what it is.
std::string ablation_markdown(const nlohmann::json& ablation);

}  // namespace viva
