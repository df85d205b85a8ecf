#include "viva/train/stop_signal.h"

#include <atomic>
#include <csignal>

namespace viva {
namespace {

std::atomic<bool> g_stop{false};
void (*g_previous_int)(int) = SIG_DFL;
void (*g_previous_term)(int) = SIG_DFL;

extern "C" void on_signal(int signal) {
  g_stop.store(true);
  std::signal(signal, SIG_DFL);  // the next one ends the process at once
}

}  // namespace

StopSignal::StopSignal() {
  g_stop.store(false);
  g_previous_int = std::signal(SIGINT, on_signal);
  g_previous_term = std::signal(SIGTERM, on_signal);
}

StopSignal::~StopSignal() {
  std::signal(SIGINT, g_previous_int);
  std::signal(SIGTERM, g_previous_term);
}

bool StopSignal::requested() const { return g_stop.load(); }

void StopSignal::request() { g_stop.store(true); }

}  // namespace viva
