#include "viva/cli/cli_common.h"

#include <c10/util/Exception.h>

#include <cstdio>
#include <iostream>

#include "viva/core/error.h"

namespace viva::cli {
namespace {

void print_error(const std::string& message) {
  // One line: multi-line library messages are folded.
  std::string line = message;
  for (char& c : line)
    if (c == '\n') c = ' ';
  std::fprintf(stderr, "viva: error: %s\n", line.c_str());
}

}  // namespace

int run_guarded(const std::function<void()>& body) {
  try {
    body();
    return 0;
  } catch (const viva::Error& e) {
    print_error(e.what());
  } catch (const c10::Error& e) {
    print_error(std::string("libtorch: ") + e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    print_error("out of memory");
  } catch (const std::exception& e) {
    print_error(e.what());
  }
  return 1;
}

std::pair<int, int> parse_size(const std::string& text) {
  auto parse_int = [&](const std::string& s) {
    std::size_t used = 0;
    int value = 0;
    try {
      value = std::stoi(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || value <= 0) throw Error("--size " + text, "expected WIDTHxHEIGHT or N, e.g. 256x256");
    return value;
  };
  const auto x = text.find('x');
  if (x == std::string::npos) {
    const int n = parse_int(text);
    return {n, n};
  }
  return {parse_int(text.substr(0, x)), parse_int(text.substr(x + 1))};
}

}  // namespace viva::cli
