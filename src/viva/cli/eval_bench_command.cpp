// viva eval bench: the automatic video metrics of the paper's Table 1 (VBench and EditVerse
// consistency, frame-text CLIP, ViCLIP, PickScore) on a folder of edited videos.
#include <cstdio>
#include <memory>

#include "viva/cli/cli_common.h"
#include "viva/core/error.h"
#include "viva/eval/video_bench.h"

namespace viva::cli {
namespace {

void eval_bench(const VideoBenchOptions& o) {
  const VideoBenchReport report = run_video_bench(o);
  for (const ManifestProblem& p : report.problems)
    std::fprintf(stderr, "viva: warning: %s:%lld: %s (row skipped)\n", o.manifest.c_str(), static_cast<long long>(p.line),
                 p.problem.c_str());
  std::fputs(video_bench_markdown(report.table).c_str(), stdout);
  std::printf("%lld scored, %lld from an earlier run, %zu without a prediction, %zu failed; wrote %s/table.md\n",
              static_cast<long long>(report.scored), static_cast<long long>(report.resumed), report.missing.size(),
              report.failed.size(), o.out.c_str());
  for (const auto& [id, why] : report.failed) std::printf("failed %s: %s\n", id.c_str(), why.c_str());
  std::fflush(stdout);
  if (!report.failed.empty())
    throw Error("viva eval bench", std::to_string(report.failed.size()) + " videos could not be scored (listed above)");
}

}  // namespace

void add_eval_bench_command(CLI::App& eval) {
  auto o = std::make_shared<VideoBenchOptions>();
  auto* cmd = eval.add_subcommand(
      "bench",
      "Score edited videos with the automatic metrics of the paper's Table 1, each computed when its model is given: "
      "VBench subject (DINO) and background (CLIP B/32) consistency, EditVerse DINOv2 and CLIP L/14 consistency, "
      "frame-text CLIP L/14 alignment, ViCLIP video-text alignment and PickScore against the target caption. Writes "
      "per_video.jsonl (resumable: run again to go on), table.json and table.md per category; exit 1 if a video "
      "could not be read");
  cmd->add_option("--manifest", o->manifest, "JSONL manifest: id, task and target_caption of each row")->required();
  cmd->add_option("--pred", o->predictions, "Folder of edited videos named by row id: <id>.mkv, <id>.mp4 or <id>/ (PNG frames)")
      ->required();
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
  set_guarded_callback(cmd, [o] { eval_bench(*o); });
}

}  // namespace viva::cli
