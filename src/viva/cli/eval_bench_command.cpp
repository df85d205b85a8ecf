// viva eval bench: the automatic video metrics of the paper's Table 1 (VBench and EditVerse
// consistency, frame-text CLIP, ViCLIP, PickScore) and the VLM judge on a folder of edited videos.
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "viva/cli/cli_common.h"
#include "viva/cli/vlm_options.h"
#include "viva/core/error.h"
#include "viva/eval/video_bench.h"
#include "viva/shapes/judge/judge_report.h"

namespace viva::cli {
namespace {

struct EvalBenchArgs {
  VideoBenchOptions bench;
  std::vector<std::string> compare;
  VlmClientOptions vlm;
  bool shapes = false;
};

// ShapesWorld's oracle judge on the same predictions, its figures as columns of each category
// (the manifest's task) and of "all": followed share, preservation outside the edit mask,
// temporal stability, flicker, artefacts.
void add_oracle_columns(nlohmann::ordered_json& table, const VideoBenchOptions& o) {
  shapes::JudgeRunOptions run;
  run.manifest = o.manifest;
  run.predictions = o.predictions;
  run.split = o.split;
  run.progress = o.progress.mode;
  const shapes::JudgeReport report = shapes::judge_predictions(run);
  const auto put = [](nlohmann::ordered_json& row, const shapes::ScoreAggregate& a) {
    const nlohmann::json figures = shapes::aggregate_to_json(a);
    row["oracle_followed"] = a.followed_share();
    for (const char* key : {"psnr_outside_mask", "ssim_outside_mask", "stability", "flicker", "artefact"})
      if (figures[key].is_number()) row[std::string("oracle_") + key] = figures[key];
  };
  for (auto& row : table["rows"]) {
    const std::string category = row["category"];
    if (category == "all") put(row, report.all);
    else if (report.by_task.count(category)) put(row, report.by_task.at(category));
  }
  table["oracle"] = "ShapesWorld's oracle judge (viva eval shapes) on the same predictions";
}

// The report's lines: manifest problems, the counts, failures; throws when some video failed.
void report_run(const VideoBenchOptions& o, const VideoBenchReport& report) {
  for (const ManifestProblem& p : report.problems)
    std::fprintf(stderr, "viva: warning: %s:%lld: %s (row skipped)\n", o.manifest.c_str(), static_cast<long long>(p.line),
                 p.problem.c_str());
  std::printf("%s: %lld scored, %lld from an earlier run, %zu without a prediction, %zu failed\n", o.predictions.c_str(),
              static_cast<long long>(report.scored), static_cast<long long>(report.resumed), report.missing.size(),
              report.failed.size());
  for (const auto& [id, why] : report.failed) std::printf("failed %s: %s\n", id.c_str(), why.c_str());
}

void eval_bench(const EvalBenchArgs& args) {
  VideoBenchOptions o = args.bench;
  if (!args.vlm.endpoint.empty()) {
    if (args.vlm.model.empty()) throw Error("viva eval bench", "--vlm-endpoint needs --vlm-model");
    o.vlm = args.vlm;
  }
  if (args.compare.empty() == o.predictions.empty())
    throw Error("viva eval bench", "give --pred DIR, or --compare A B");
  if (!args.compare.empty()) {
    if (args.shapes) throw Error("viva eval bench", "--shapes is for one prediction folder (--pred), not --compare");
    const VideoBenchComparison c = compare_video_bench(o, args.compare[0], args.compare[1]);
    std::fputs(c.markdown.c_str(), stdout);
    for (auto [report, folder] : {std::pair{&c.a, args.compare[0]}, std::pair{&c.b, args.compare[1]}}) {
      o.predictions = folder;
      report_run(o, *report);
    }
    std::printf("wrote %s/compare.md\n", o.out.c_str());
    std::fflush(stdout);
    const std::size_t failed = c.a.failed.size() + c.b.failed.size();
    if (failed) throw Error("viva eval bench", std::to_string(failed) + " videos could not be scored (listed above)");
    return;
  }
  VideoBenchReport report = run_video_bench(o);
  if (args.shapes) {
    add_oracle_columns(report.table, o);
    write_video_bench_table(report.table, o.out);
  }
  std::fputs(video_bench_markdown(report.table).c_str(), stdout);
  report_run(o, report);
  std::printf("wrote %s/table.md\n", o.out.c_str());
  std::fflush(stdout);
  if (!report.failed.empty())
    throw Error("viva eval bench", std::to_string(report.failed.size()) + " videos could not be scored (listed above)");
}

}  // namespace

void add_eval_bench_command(CLI::App& eval) {
  auto args = std::make_shared<EvalBenchArgs>();
  VideoBenchOptions* o = &args->bench;
  auto* cmd = eval.add_subcommand(
      "bench",
      "Score edited videos with the automatic metrics of the paper's Table 1, each computed when its model is given: "
      "VBench subject (DINO) and background (CLIP B/32) consistency, EditVerse DINOv2 and CLIP L/14 consistency, "
      "frame-text CLIP L/14 alignment, ViCLIP video-text alignment and PickScore against the target caption, and "
      "with --vlm-endpoint the VLM judge's scores (as viva eval vlm). Writes "
      "per_video.jsonl (resumable: run again to go on), table.json and table.md per category; exit 1 if a video "
      "could not be read");
  cmd->add_option("--manifest", o->manifest, "JSONL manifest: id, task and target_caption of each row")->required();
  cmd->add_option("--pred", o->predictions, "Folder of edited videos named by row id: <id>.mkv, <id>.mp4 or <id>/ (PNG frames)");
  cmd->add_option("--compare", args->compare,
                  "Two prediction folders A B instead of --pred: both scored on the rows they both have (into "
                  "OUT/a and OUT/b), side by side in OUT/compare.md")
      ->expected(2);
  cmd->add_option("--out", o->out, "Folder for per_video.jsonl, table.json and table.md")->required();
  cmd->add_option("--dino", o->dino, "DINO v1 ViT-B/16: a Hugging Face folder (facebook/dino-vitb16) or dino_vitbase16_pretrain.pth");
  cmd->add_option("--clip-b32", o->clip_b32, "CLIP ViT-B/32 folder (openai/clip-vit-base-patch32)");
  cmd->add_option("--dinov2", o->dinov2, "DINOv2-base: a Hugging Face folder (facebook/dinov2-base) or the hub .pth");
  cmd->add_option("--clip-l14", o->clip_l14, "CLIP ViT-L/14 folder (openai/clip-vit-large-patch14)");
  cmd->add_option("--viclip", o->viclip, "ViClip-InternVid-10M-FLT.pth (or a folder with config.json beside the weights)");
  cmd->add_option("--viclip-merges", o->viclip_merges, "CLIP BPE merges for ViCLIP's captions (bpe_simple_vocab_16e6.txt.gz)");
  cmd->add_option("--pickscore", o->pickscore, "PickScore_v1 folder (CLIP ViT-H/14)");
  cmd->add_option("--split", o->split, "Only rows of this split");
  cmd->add_option("--device", o->device, "cpu or cuda[:N]")->capture_default_str();
  add_vlm_client_options(*cmd, args->vlm, false);
  cmd->add_flag("--shapes", args->shapes,
                "The manifest is a ShapesWorld split (viva data shapes): add the oracle judge's columns (instruction "
                "followed, PSNR/SSIM outside the edit mask, stability, flicker, artefacts) per category");
  cmd->add_option("--vlm-frames", o->judge.frames, "With --vlm-endpoint: evenly spaced frames of source and edit shown to the judge")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  set_guarded_callback(cmd, [args] { eval_bench(*args); });
}

}  // namespace viva::cli
