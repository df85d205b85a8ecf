// Placeholder registration (to be written): registers nothing yet.
#include "viva/cli/cli_common.h"

namespace viva::cli {

void add_eval_shapes_command(CLI::App& /*eval*/) {}

}  // namespace viva::cli
