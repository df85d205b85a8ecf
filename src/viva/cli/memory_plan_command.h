#pragma once
// `viva train sft|grpo --plan-memory [--world-size W] [--size WxH] [--frames N]`: prints what
// each rank would hold while training the run's DiT (train/memory_plan.h), then exits.
#include <CLI/CLI.hpp>

namespace viva::cli {

// Adds the options to a `viva train sft` or `viva train grpo` subcommand; the returned check
// prints the plan and returns true when --plan-memory was given (the trainer then does not run).
std::function<bool(const std::string& config)> add_memory_plan_options(CLI::App& command, bool grpo);

}  // namespace viva::cli
