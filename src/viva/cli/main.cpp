// viva: instruction-based video editing. main only dispatches to the subcommands in cli/.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "viva/cli/cli_common.h"
#include "viva/core/device.h"
#include "viva/core/version.h"

namespace {

// Commands whose time goes into libtorch's kernels; they restart once with passive OpenMP
// waits (viva/core/device.h). The others start faster without the restart (about 0.4 s), and
// `launch` hands the setting to the ranks it starts.
void choose_openmp_wait_policy(int argc, char** argv) {
  std::string command;  // the first word that is not an option (nor --threads' value)
  for (int i = 1; i < argc && command.empty(); ++i) {
    const std::string word = argv[i];
    if (word == "--threads") ++i;
    else if (word.empty() || word[0] != '-') command = word;
  }
  if (command == "launch" && !viva::openmp_wait_policy_chosen())
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  if (command == "edit" || command == "train" || command == "eval" || command == "recipe" || command == "data" ||
      command == "serve")
    viva::wait_passively_in_openmp(argv);
}

}  // namespace

int main(int argc, char** argv) {
  choose_openmp_wait_policy(argc, argv);
  CLI::App app{"viva: VLM-guided instruction-based video editing (VIVA) in C++"};
  app.set_version_flag("--version", std::string("viva ") + viva::kVersion);
  app.require_subcommand(1);
  viva::configure_cpu_threads(0);
  app.add_option_function<int>(
         "--threads", [](int n) { viva::configure_cpu_threads(n); },
         "CPU threads for libtorch (default: OMP_NUM_THREADS, else all cores)")
      ->check(CLI::PositiveNumber);
  viva::cli::add_doctor_command(app);
  viva::cli::add_inspect_command(app);
  viva::cli::add_video_command(app);
  viva::cli::add_model_command(app);
  viva::cli::add_edit_command(app);
  viva::cli::add_data_command(app);
  viva::cli::add_train_command(app);
  viva::cli::add_eval_command(app);
  viva::cli::add_recipe_command(app);
  viva::cli::add_launch_command(app);
  viva::cli::add_serve_command(app);

  // CLI11 would only say "a subcommand is required"; name the word the user typed.
  if (argc > 1 && argv[1][0] != '-') {
    try {
      app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      std::fprintf(stderr, "viva: error: unknown command '%s' (see viva --help)\n", argv[1]);
      return 1;
    }
  }

  int status = 0;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {  // a subcommand callback's status; it printed the error
    status = e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "viva: error: %s (see viva --help)\n", e.what());
    return 1;
  }
  return status;
}
