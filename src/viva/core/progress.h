#pragma once
// Progress for long work: a redrawn bar with rate and ETA when stderr is a terminal, plain
// periodic lines otherwise (logs, CI), nothing when silent.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace viva {

enum class ProgressMode { Auto, Terminal, Plain, Silent };

struct ProgressOptions {
  ProgressMode mode = ProgressMode::Auto;
  std::FILE* stream = stderr;
  double plain_interval_s = 10.0;  // how often Plain mode prints a line
  std::string unit = "it";
  // Seconds from the start after which the work stops whatever is left (a training run's
  // max_minutes); the ETA never runs past it. <= 0: none.
  double time_limit_s = 0;

  ProgressOptions& set_mode(ProgressMode m) { mode = m; return *this; }
  ProgressOptions& set_stream(std::FILE* s) { stream = s; return *this; }
  ProgressOptions& set_plain_interval(double s) { plain_interval_s = s; return *this; }
  ProgressOptions& set_unit(std::string u) { unit = std::move(u); return *this; }
  ProgressOptions& set_time_limit(double s) { time_limit_s = s; return *this; }
};

class Progress {
 public:
  Progress(std::string label, int64_t total, ProgressOptions options = {});
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(int64_t n = 1) { update(done_ + n); }
  // Work done before this run (a resumed job): shown in the count, left out of rate and ETA.
  void resume_from(int64_t done);
  void update(int64_t done);
  // Prints the final state once (total time and rate).
  void finish();

  int64_t done() const { return done_; }
  double elapsed_s() const;
  // Seconds left at the current average rate, at most until the time limit; negative when unknown.
  double eta_s() const;

 private:
  void draw(bool final);

  std::string label_;
  int64_t total_;
  ProgressOptions options_;
  ProgressMode mode_;
  int64_t done_ = 0;
  int64_t resumed_ = 0;  // done before this run
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1:02:03", "4:05" or "12.3s".
std::string format_duration(double seconds);

}  // namespace viva
