// viva eval loss: a DiT's flow-matching loss on a condition cache, by noise level and edit mask.
#include <cstdio>
#include <memory>

#include "viva/cli/cli_common.h"
#include "viva/core/device.h"
#include "viva/eval/flow_loss_report.h"
#include "viva/pipeline/viva_pipeline.h"

namespace viva::cli {
namespace {

struct EvalLossArgs {
  std::string model, cache, json, device = "cpu", without = "instruction";
  FlowLossOptions options;
};

void eval_loss(const EvalLossArgs& a) {
  const torch::Device device = parse_device(a.device);
  FlowLossOptions options = a.options;
  options.drop = parse_flow_loss_drop(a.without);
  const ConditionCache cache(a.cache);
  PipelineParts parts = PipelineParts::transformer_only();
  parts.text_to_video = true;
  VivaPipeline pipeline(a.model, device, torch::kFloat32, parts);
  const FlowLossReport report = measure_flow_loss(pipeline, cache, options);
  std::printf("%s", report.table().c_str());
  write_json_report(a.json, report.to_json());
}

}  // namespace

void add_eval_loss_command(CLI::App& eval) {
  auto a = std::make_shared<EvalLossArgs>();
  auto* cmd = eval.add_subcommand(
      "loss",
      "The transformer's rectified-flow loss on a condition cache (`viva data encode`), per noise level, inside "
      "and outside the edit mask, with and without the instruction (the cache's unconditional tokens), beside an "
      "editor that copies its source (x0 = source), and how far the model's prediction inside the mask is from "
      "copying (0: the edit is not attempted). Fixed noise per sample, fp32");
  cmd->add_option("--model", a->model, "VIVA (or text-to-video) model folder")->required();
  cmd->add_option("--cache", a->cache, "Condition cache folder")->required();
  cmd->add_option("--sigmas", a->options.sigmas, "Noise levels in (0, 1]")->delimiter(',')->capture_default_str();
  cmd->add_option("--max-rows", a->options.max_rows, "Only the first N samples (of those tasks; 0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--tasks", a->options.tasks,
                  "Only samples of these tasks, comma-separated (e.g. add,replace,attribute: the object edits)")
      ->delimiter(',');
  cmd->add_option("--without", a->without,
                  "What the \"without\" columns drop: instruction (its tokens and pooled vector), tokens (the pooled "
                  "vector stays) or pooled (the tokens stay), to tell which path carries the instruction")
      ->capture_default_str();
  cmd->add_option("--seed", a->options.seed, "Seed of the noise")->capture_default_str();
  cmd->add_option("--json", a->json, "Also write the table as JSON here");
  cmd->add_option("--device", a->device, "cpu or cuda[:N]")->capture_default_str();
  set_guarded_callback(cmd, [a] { eval_loss(*a); });
}

}  // namespace viva::cli
