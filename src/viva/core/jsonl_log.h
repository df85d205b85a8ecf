#pragma once
// Machine-readable event log for long jobs: one JSON object per line, appended and flushed
// per event so a killed job leaves every finished line intact. Each line gets "time" (Unix
// seconds) and "event".
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace viva {

class JsonlLog {
 public:
  // Appends to `path` (created when absent). An empty path makes a log that discards events.
  explicit JsonlLog(const std::string& path);
  ~JsonlLog();
  JsonlLog(const JsonlLog&) = delete;
  JsonlLog& operator=(const JsonlLog&) = delete;

  void write(const std::string& event, nlohmann::json fields = nlohmann::json::object());
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

// The value of `key` in every "step" event of a training log, indexed by step − 1 (NaN where a
// step has none). A resumed run re-logs the steps after its checkpoint: the latest line wins.
std::vector<double> logged_step_series(const std::string& path, const std::string& key);

}  // namespace viva
