#include "viva/core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace viva {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  char buffer[32];
  if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%.1fs", seconds);
  } else {
    const long total = static_cast<long>(std::lround(seconds));
    if (total >= 3600)
      std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
    else
      std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
  }
  return buffer;
}

Progress::Progress(std::string label, int64_t total, ProgressOptions options)
    : label_(std::move(label)), total_(total), options_(std::move(options)), mode_(options_.mode),
      start_(Clock::now()), last_draw_(start_) {
  if (mode_ == ProgressMode::Auto)
    mode_ = ::isatty(::fileno(options_.stream)) ? ProgressMode::Terminal : ProgressMode::Plain;
  if (mode_ == ProgressMode::Terminal) draw(false);
}

Progress::~Progress() {
  // A job that threw midway leaves the bar's line unterminated; end it so the error prints
  // on a line of its own.
  if (!finished_ && mode_ == ProgressMode::Terminal) std::fputc('\n', options_.stream);
}

double Progress::elapsed_s() const { return seconds_between(start_, Clock::now()); }

double Progress::eta_s() const {
  const int64_t this_run = done_ - resumed_;
  if (this_run <= 0 || total_ <= 0) return -1;
  const double elapsed = elapsed_s();
  const double at_rate = elapsed / static_cast<double>(this_run) * static_cast<double>(std::max<int64_t>(total_ - done_, 0));
  if (options_.time_limit_s <= 0) return at_rate;
  return std::min(at_rate, std::max(options_.time_limit_s - elapsed, 0.0));
}

void Progress::resume_from(int64_t done) {
  resumed_ = done;
  update(done);
}

void Progress::update(int64_t done) {
  done_ = done;
  const auto now = Clock::now();
  const double since = seconds_between(last_draw_, now);
  if (mode_ == ProgressMode::Terminal && since >= 0.1) draw(false);
  else if (mode_ == ProgressMode::Plain && since >= options_.plain_interval_s && done_ < total_) draw(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final) {
  if (mode_ == ProgressMode::Silent) return;
  last_draw_ = Clock::now();
  const double elapsed = elapsed_s();
  const double rate = elapsed > 0 ? static_cast<double>(done_ - resumed_) / elapsed : 0.0;
  const double fraction = total_ > 0 ? std::min(1.0, static_cast<double>(done_) / total_) : 0.0;
  char rate_text[48];
  if (rate >= 1.0 || rate == 0.0)
    std::snprintf(rate_text, sizeof rate_text, "%.2f %s/s", rate, options_.unit.c_str());
  else
    std::snprintf(rate_text, sizeof rate_text, "%.2f s/%s", 1.0 / rate, options_.unit.c_str());
  const std::string timing = final ? "in " + format_duration(elapsed) : "ETA " + format_duration(eta_s());

  if (mode_ == ProgressMode::Terminal) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(options_.stream, "\r\033[K%s [%s] %3.0f%% %lld/%lld %s %s%s", label_.c_str(), bar.c_str(),
                 fraction * 100, static_cast<long long>(done_), static_cast<long long>(total_), rate_text,
                 timing.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(options_.stream, "%s: %lld/%lld (%.0f%%) %s %s\n", label_.c_str(), static_cast<long long>(done_),
                 static_cast<long long>(total_), fraction * 100, rate_text, timing.c_str());
  }
  std::fflush(options_.stream);
}

}  // namespace viva
