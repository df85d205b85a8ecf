#pragma once
// Runs the viva executable the way a user does: its exit status and what it printed.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "temp_dir.h"
#include "viva/core/atomic_file.h"

namespace viva::testing {

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

inline CliRun run_viva(const TempDir& dir, const std::string& args) {
  const std::string out = dir.file("stdout.txt"), err = dir.file("stderr.txt");
  const std::string command = std::string(VIVA_CLI_PATH) + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int raw = std::system(command.c_str());
  CliRun run;
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = read_file(out);
  run.err = read_file(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return run;
}

inline int line_count(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

inline void expect_one_line_error(const CliRun& run, const std::string& fragment) {
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(line_count(run.err), 1) << run.err;
  EXPECT_EQ(run.err.rfind("viva: error: ", 0), 0u) << run.err;
  EXPECT_NE(run.err.find(fragment), std::string::npos) << run.err;
}

}  // namespace viva::testing
