// viva: instruction-based video editing. main only dispatches to the subcommands in cli/.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "viva/cli/cli_common.h"
#include "viva/core/version.h"

int main(int argc, char** argv) {
  CLI::App app{"viva: VLM-guided instruction-based video editing (VIVA) in C++"};
  app.set_version_flag("--version", std::string("viva ") + viva::kVersion);
  app.require_subcommand(1);
  viva::cli::add_doctor_command(app);
  viva::cli::add_inspect_command(app);
  viva::cli::add_video_command(app);

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
