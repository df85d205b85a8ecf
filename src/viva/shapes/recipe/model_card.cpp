#include "viva/shapes/recipe/model_card.h"

#include <cstdio>
#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/config.h"
#include "viva/core/error.h"

namespace viva {
namespace fs = std::filesystem;

nlohmann::json ModelCard::to_json() const {
  return {{"stage", stage},   {"title", title}, {"result", result},       {"config", config},
          {"data", data},     {"metrics", metrics}, {"steps", steps}, {"wall_seconds", wall_seconds}};
}

ModelCard ModelCard::from_json(const nlohmann::json& json, const std::string& source) {
  ModelCard c;
  ConfigReader r(json, source);
  r.require("stage", c.stage);
  r.get("title", c.title);
  r.get("result", c.result);
  r.get("config", c.config);
  r.get("data", c.data);
  r.get("metrics", c.metrics);
  r.get("steps", c.steps);
  r.get("wall_seconds", c.wall_seconds);
  r.finish();
  return c;
}

namespace {

std::string format_value(const nlohmann::json& v) {
  if (v.is_number_float()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4g", v.get<double>());
    return buffer;
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string key_value_table(const nlohmann::json& object) {
  std::string out = "| | |\n|---|---|\n";
  for (const auto& [key, value] : object.items()) out += "| " + key + " | " + format_value(value) + " |\n";
  return out;
}

}  // namespace

std::string ModelCard::markdown() const {
  char timing[96];
  std::snprintf(timing, sizeof timing, "%lld optimizer steps, %.1f minutes of wall time", static_cast<long long>(steps),
                wall_seconds / 60.0);
  std::string md = "# " + stage + ": " + title + "\n\n";
  if (!result.empty()) md += "Result: `" + result + "`. ";
  md += std::string(timing) + ".\n\n";
  if (metrics.is_object() && !metrics.empty()) md += "## Metrics\n\n" + key_value_table(metrics) + "\n";
  if (data.is_object() && !data.empty()) md += "## Data\n\n" + key_value_table(data) + "\n";
  if (!config.is_null()) md += "## Configuration\n\n```json\n" + config.dump(2) + "\n```\n";
  return md;
}

void write_model_card(const std::string& folder, const ModelCard& card) {
  fs::create_directories(folder);
  write_file_atomically((fs::path(folder) / "MODEL_CARD.md").string(), card.markdown());
  write_file_atomically((fs::path(folder) / "card.json").string(), card.to_json().dump(2) + "\n");
}

std::optional<ModelCard> read_model_card(const std::string& folder) {
  const std::string path = (fs::path(folder) / "card.json").string();
  if (!fs::exists(path)) return std::nullopt;
  return ModelCard::from_json(load_json_file(path), path);
}

}  // namespace viva
