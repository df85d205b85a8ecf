#include "viva/shapes/recipe/ablation_table.h"

#include <cmath>
#include <algorithm>
#include <cstdio>

namespace viva {
namespace {

// The aggregate JSON of judge_report.cpp: clips, followed_share, psnr_outside_mask, artefact (null when none).
nlohmann::json cell(const nlohmann::json& aggregate) {
  auto number = [&](const char* key) {
    return aggregate.contains(key) && aggregate.at(key).is_number() ? aggregate.at(key) : nlohmann::json();
  };
  return {{"clips", aggregate.value("clips", 0)},
          {"followed", number("followed_share")},
          {"psnr", number("psnr_outside_mask")},
          {"artefact", number("artefact")}};
}

// Single-operation test tasks in a fixed order, then whatever else a report holds.
std::vector<std::string> test_tasks(const std::vector<AblationVariant>& variants) {
  std::vector<std::string> tasks = {"add", "replace", "attribute", "reference_add", "reference_replace"};
  for (const auto& v : variants)
    if (v.reports.contains("test"))
      for (const auto& [task, unused] : v.reports.at("test").at("by_task").items())
        if (std::find(tasks.begin(), tasks.end(), task) == tasks.end()) tasks.push_back(task);
  return tasks;
}

std::string format(const nlohmann::json& value, double scale, const char* pattern) {
  if (!value.is_number()) return "–";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, pattern, value.get<double>() * scale);
  return buffer;
}

}  // namespace

nlohmann::json ablation_json(const std::vector<AblationVariant>& variants) {
  std::vector<std::string> columns;
  for (const std::string& task : test_tasks(variants)) columns.push_back("test/" + task);
  columns.insert(columns.end(), {"test", "hybrid", "video style (probe)"});
  nlohmann::json rows = nlohmann::json::array();
  for (const AblationVariant& v : variants) {
    nlohmann::json cells = nlohmann::json::object();
    if (v.reports.contains("test")) {
      const nlohmann::json& test = v.reports.at("test");
      for (const auto& [task, aggregate] : test.at("by_task").items()) cells["test/" + task] = cell(aggregate);
      cells["test"] = cell(test.at("all"));
    }
    if (v.reports.contains("hybrid")) cells["hybrid"] = cell(v.reports.at("hybrid").at("all"));
    if (v.reports.contains("probe")) cells["video style (probe)"] = cell(v.reports.at("probe").at("all"));
    rows.push_back({{"name", v.name}, {"label", v.label}, {"description", v.description}, {"columns", cells}});
  }
  return {{"columns", columns}, {"variants", rows}};
}

std::string ablation_markdown(const nlohmann::json& ablation) {
  const auto columns = ablation.at("columns").get<std::vector<std::string>>();
  struct Metric {
    const char* title;
    const char* key;
    double scale;
    const char* pattern;
  };
  const Metric metrics[] = {{"Instruction followed (%, oracle judge)", "followed", 100.0, "%.0f"},
                            {"Preservation: PSNR outside the edit mask (dB)", "psnr", 1.0, "%.1f"},
                            {"Artefacts: residual energy against a re-render of the parsed scene (lower is better)",
                             "artefact", 1.0, "%.4f"}};
  std::string md;
  for (const Metric& m : metrics) {
    md += std::string("### ") + m.title + "\n\n| variant |";
    for (const auto& c : columns) md += " " + c + " |";
    md += "\n|---|";
    for (std::size_t i = 0; i < columns.size(); ++i) md += "---:|";
    md += "\n";
    for (const auto& v : ablation.at("variants")) {
      md += "| " + v.at("label").get<std::string>() + " |";
      for (const auto& c : columns) {
        const nlohmann::json& cells = v.at("columns");
        md += " " + (cells.contains(c) ? format(cells.at(c).at(m.key), m.scale, m.pattern) : std::string("–")) + " |";
      }
      md += "\n";
    }
    md += "\n";
  }
  md += "Clips per column:";
  const auto& first = ablation.at("variants");
  if (!first.empty())
    for (const auto& c : columns)
      if (first[0].at("columns").contains(c))
        md += " " + c + " " + std::to_string(first[0].at("columns").at(c).at("clips").get<int64_t>()) + ";";
  md += "\n\n";
  for (const auto& v : ablation.at("variants"))
    md += "- **" + v.at("label").get<std::string>() + "**: " + v.at("description").get<std::string>() + "\n";
  return md;
}

}  // namespace viva
