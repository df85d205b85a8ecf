// viva eval model: edit the rows of a ShapesWorld manifest with a model and judge the edits — the
// recipe's evaluation stage for any model folder (a fine-tuned one, a checkpoint).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "viva/cli/cli_common.h"
#include "viva/shapes/recipe/edit_and_judge.h"

namespace viva::cli {
namespace {

void print_summary(const nlohmann::json& report) {
  std::printf("| task | scored | followed | PSNR outside mask (dB) | artefacts |\n|---|---:|---:|---:|---:|\n");
  auto row = [](const std::string& name, const nlohmann::json& s) {
    const auto number = [&](const char* key) { return s.at(key).is_null() ? 0.0 : s.at(key).get<double>(); };
    std::printf("| %s | %lld | %lld (%.0f%%) | %.2f | %.2f |\n", name.c_str(), s.at("scored").get<long long>(),
                s.at("followed").get<long long>(), 100.0 * number("followed_share"), number("psnr_outside_mask"),
                number("artefact"));
  };
  for (const auto& [task, scores] : report.at("by_task").items()) row(task, scores);
  row("all", report.at("all"));
}

}  // namespace

void add_eval_model_command(CLI::App& eval) {
  auto o = std::make_shared<EditAndJudgeOptions>();
  auto* cmd = eval.add_subcommand(
      "model",
      "Edit the rows of a ShapesWorld manifest with a model and score the edits with the oracle judge (the "
      "recipe's evaluation for any model folder). Writes OUT/<split>/ (the edits; ones already there are kept, "
      "so a killed run resumes), OUT/<split>.jsonl (the rows) and OUT/<split>.json (the judge's report)");
  cmd->add_option("--model", o->model, "VIVA model folder")->required();
  cmd->add_option("--manifest", o->manifest, "Manifest written by `viva data shapes` (scenes/ beside it)")
      ->required();
  cmd->add_option("--out", o->out, "Output folder")->required();
  cmd->add_option("--split", o->split, "Only rows of this split (train, validation, test, hybrid; default: all)");
  cmd->add_option("--max-rows", o->max_rows, "Only the first N rows (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--steps", o->steps, "Sampling steps (default: the model's)")->check(CLI::PositiveNumber);
  cmd->add_option("--cfg", o->guidance, "Guidance scale (default: the model's; 1 = no guidance)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--vae-ceiling", o->vae_ceiling,
                "Instead of editing, pass each row's target through the model's VAE: what a perfect editor could "
                "reach through it (outputs named <split>_vae_ceiling)");
  cmd->add_option("--device", o->device, "cpu or cuda[:N]")->capture_default_str();
  set_guarded_callback(cmd, [o] { print_summary(edit_and_judge(*o)); });
}

}  // namespace viva::cli
