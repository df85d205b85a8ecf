// Placeholder registration (to be written): registers nothing yet.
#include "viva/cli/cli_common.h"

namespace viva::cli {

void add_data_shapes_command(CLI::App& /*data*/) {}

}  // namespace viva::cli
