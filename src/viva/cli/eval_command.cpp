// viva eval: scoring edited clips (the ShapesWorld oracle judge, the VLM judge) and a DiT's loss.
#include "viva/cli/cli_common.h"

namespace viva::cli {

void add_eval_command(CLI::App& app) {
  auto* eval = app.add_subcommand("eval", "Score edited clips");
  eval->require_subcommand(1);
  add_eval_shapes_command(*eval);
  add_eval_vlm_command(*eval);
  add_eval_bench_command(*eval);
  add_eval_loss_command(*eval);
  add_eval_model_command(*eval);
}

}  // namespace viva::cli
