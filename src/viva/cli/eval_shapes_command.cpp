// viva eval shapes: the ShapesWorld oracle judge over a manifest and a folder of predictions.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "viva/cli/cli_common.h"
#include "viva/shapes/judge/judge_report.h"

namespace viva::cli {
namespace {

struct EvalShapesArgs {
  shapes::JudgeRunOptions options;
  std::string json;
};

void eval_shapes(const EvalShapesArgs& a) {
  const shapes::JudgeReport report = shapes::judge_predictions(a.options);
  std::printf("%s", shapes::report_table(report).c_str());
  if (report.all.missing)
    std::printf("\n%lld of %lld predictions missing in %s\n", static_cast<long long>(report.all.missing),
                static_cast<long long>(report.all.clips), a.options.predictions.c_str());
  int shown = 0;
  for (const shapes::ClipScore& s : report.clips)
    if (!s.error.empty() && shown++ < 10) std::printf("failed %s: %s\n", s.id.c_str(), s.error.c_str());
  write_json_report(a.json, shapes::to_json(report));
}

}  // namespace

void add_eval_shapes_command(CLI::App& eval) {
  auto a = std::make_shared<EvalShapesArgs>();
  auto* cmd = eval.add_subcommand(
      "shapes",
      "Score edited ShapesWorld clips with the oracle judge: a classical scene parser compares each prediction "
      "with the target scene the instruction implies (instruction followed, exact), and measures preservation "
      "outside the edit mask (PSNR, SSIM vs the source), temporal stability, flicker and artefacts. Predictions: "
      "PRED/<id>.mkv, .mp4, .png or a PNG-frame folder PRED/<id>/; missing ones are counted");
  cmd->add_option("--manifest", a->options.manifest, "Manifest written by `viva data shapes`")->required();
  cmd->add_option("--pred", a->options.predictions, "Folder of predictions named by pair id")->required();
  cmd->add_option("--json", a->json, "Also write the per-task, per-split and per-clip scores as JSON here");
  cmd->add_option("--split", a->options.split, "Only rows of this split (train, validation, test, hybrid)");
  cmd->add_option("--scenes", a->options.scenes, "Ground-truth scene folder (default: scenes/ beside the manifest)");
  cmd->add_option("--tolerance", a->options.judge.position_tolerance,
                  "Position tolerance for objects the edit leaves alone, pixels at 64x64")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--jobs", a->options.jobs, "Worker threads (0: one per core)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  set_guarded_callback(cmd, [a] { eval_shapes(*a); });
}

}  // namespace viva::cli
