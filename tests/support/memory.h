#pragma once
// Resident-memory measurement for tests that check memory bounds (Linux /proc).
#include <cstdint>
#include <optional>
#include <string>

#include <fstream>
#include <functional>

namespace viva::testing {

// Growth of this process's peak resident memory (KiB) while `body` runs: the kernel's
// high-water mark is reset first (/proc/self/clear_refs), then compared with the RSS before.
// Empty when the reset did not take effect (the measurement would then be meaningless).
inline std::optional<int64_t> peak_rss_growth_kib(const std::function<void()>& body) {
  auto read_kib = [](const char* field) -> int64_t {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind(field, 0) == 0) return std::stoll(line.substr(std::string(field).size()));
    return -1;
  };
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  const int64_t before = read_kib("VmRSS:");
  if (before < 0 || read_kib("VmHWM:") > before + 4096) return std::nullopt;
  body();
  return read_kib("VmHWM:") - before;
}

}  // namespace viva::testing
