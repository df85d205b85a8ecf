#pragma once
// Resident-memory measurement for tests that check memory bounds (Linux /proc).
#include <cstdint>
#include <string>

#include <fstream>
#include <functional>

namespace viva::testing {

// Growth of this process's peak resident memory (KiB) while `body` runs: the kernel's
// high-water mark is reset first (/proc/self/clear_refs), then compared with the RSS before.
inline int64_t peak_rss_growth_kib(const std::function<void()>& body) {
  auto read_kib = [](const char* field) -> int64_t {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind(field, 0) == 0) return std::stoll(line.substr(std::string(field).size()));
    return int64_t{-1};
  };
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  const int64_t before = read_kib("VmRSS:");
  body();
  return read_kib("VmHWM:") - before;
}

}  // namespace viva::testing
