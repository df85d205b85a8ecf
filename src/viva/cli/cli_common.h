#pragma once
// Shared pieces of the command line: registration of subcommands and the error boundary.
#include <CLI/CLI.hpp>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace viva::cli {

// Each subcommand file adds itself to the app; the callback runs when it is chosen.
void add_doctor_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_video_command(CLI::App& app);
void add_model_command(CLI::App& app);
void add_edit_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_recipe_command(CLI::App& app);
void add_launch_command(CLI::App& app);
void add_serve_command(CLI::App& app);

// The help of --dtype wherever a model runs (parse_compute_dtype(name, device) reads it).
inline constexpr const char* kComputeDtypeHelp = "fp32, bf16, fp16 or auto (bf16 on CUDA, fp32 on the CPU)";

// Subcommands of `data` and `eval` kept in files of their own.
void add_data_shapes_command(CLI::App& data);   // viva data shapes
void add_data_refine_command(CLI::App& data);   // viva data refine (VLM stages)
void add_eval_shapes_command(CLI::App& eval);   // viva eval shapes (oracle judge)
void add_eval_vlm_command(CLI::App& eval);      // viva eval vlm (VLM judge)
void add_eval_bench_command(CLI::App& eval);    // viva eval bench (automatic video metrics)
void add_eval_loss_command(CLI::App& eval);     // viva eval loss (flow loss by noise level and mask)
void add_eval_model_command(CLI::App& eval);    // viva eval model (edit a ShapesWorld split and judge)

// Makes `body` the subcommand's callback behind the error boundary: viva::Error, c10::Error and
// std::exception become "viva: error: <what>" on stderr and exit code 1; a CLI::RuntimeError
// thrown by `body` passes through with its exit code.
void set_guarded_callback(CLI::App* command, std::function<void()> body);

// The `--json OUT` of the eval commands: writes `report` atomically and says so; nothing when `path` is empty.
void write_json_report(const std::string& path, const nlohmann::json& report);

}  // namespace viva::cli
