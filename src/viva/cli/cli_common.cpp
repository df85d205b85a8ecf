#include "viva/cli/cli_common.h"

#include <c10/util/Exception.h>

#include <cstdio>
#include <iostream>

#include "viva/core/atomic_file.h"
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

int run_guarded(const std::function<void()>& body) {
  try {
    body();
    return 0;
  } catch (const CLI::RuntimeError&) {
    throw;  // an exit code chosen by the command
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

}  // namespace

void set_guarded_callback(CLI::App* command, std::function<void()> body) {
  command->callback([body = std::move(body)] {
    if (const int rc = run_guarded(body)) throw CLI::RuntimeError(rc);
  });
}

void write_json_report(const std::string& path, const nlohmann::json& report) {
  if (path.empty()) return;
  write_file_atomically(path, report.dump(2) + "\n");
  std::printf("wrote %s\n", path.c_str());
}

}  // namespace viva::cli
