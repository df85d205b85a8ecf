#include "viva/core/jsonl_log.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>

#include "viva/core/error.h"

namespace viva {

JsonlLog::JsonlLog(const std::string& path) : path_(path) {
  if (path_.empty()) return;
  file_ = std::fopen(path_.c_str(), "a");
  if (!file_) throw file_error(path_, std::string("cannot open log for appending: ") + std::strerror(errno));
}

JsonlLog::~JsonlLog() {
  if (file_) std::fclose(file_);
}

void JsonlLog::write(const std::string& event, nlohmann::json fields) {
  if (!file_) return;
  nlohmann::ordered_json line;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  line["time"] = std::chrono::duration<double>(now).count();
  line["event"] = event;
  for (auto& [key, value] : fields.items()) line[key] = value;
  const std::string text = line.dump() + "\n";
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
    throw file_error(path_, "cannot write log line (disk full?)");
}

std::vector<double> logged_step_series(const std::string& path, const std::string& key) {
  std::vector<double> values;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("event", "") != "step" || !j.contains(key) || !j[key].is_number()) continue;
    const int64_t step = j.value("step", int64_t{0});
    if (step < 1) continue;
    if (static_cast<std::size_t>(step) > values.size()) values.resize(static_cast<std::size_t>(step), NAN);
    values[static_cast<std::size_t>(step - 1)] = j[key].get<double>();
  }
  return values;
}

}  // namespace viva
