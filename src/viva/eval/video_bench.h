#pragma once
// `viva eval bench`: the automatic half of the paper's Table 1 (metrics.md) on a folder of
// edited videos. For every manifest row with a prediction (<pred>/<id>.mkv, .mp4 or <id>/ PNG
// frames, as `viva eval vlm` finds them), each metric whose model is given:
//   vbench_subject_consistency     DINO v1 ViT-B/16 CLS, every frame          (VBench)
//   vbench_background_consistency  CLIP ViT-B/32 image embedding, every frame (VBench)
//   editverse_dino_consistency     DINOv2-base pooler output, consecutive frames
//   editverse_clip_consistency     CLIP ViT-L/14 vision pooler output, consecutive frames
//   frame_text_alignment           CLIP ViT-L/14, 100 × cos with the target caption, frame mean
//   video_text_alignment           ViCLIP, 8 frames, 100 × cos with the target caption
//   pickscore                      PickScore_v1, frames capped at 672 px, frame mean
//   vlm_*                          the VLM judge (`viva eval vlm`'s), 0-10 per aspect; vlm_average is
//                                  the mean of a category's aspect means (3, or 4 with references)
// Consistency scores are frame-weighted over a category (Σ terms / Σ counts); the others are
// means over its videos. Each video's figures go to <out>/per_video.jsonl as soon as they are
// computed, so a run resumes where it stopped (rows that failed, and rows an earlier run scored
// with other models, are scored again); the table goes
// to <out>/table.json (with the models, frame rules, resolution and caption source) and
// <out>/table.md. A missing prediction is counted; one that cannot be read is reported.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "viva/core/progress.h"
#include "viva/data/manifest.h"
#include "viva/eval/vlm_eval.h"
#include "viva/vlm/vlm_client.h"

namespace viva {

struct VideoBenchOptions {
  std::string manifest, predictions, out;
  std::string split;  // only rows of this split; "" = all
  std::vector<std::string> only_ids;  // only these rows (e.g. those two folders both have); empty = all
  // Metric models; an empty path leaves its metrics out. dino/dinov2: a Hugging Face folder
  // (config.json) or the reference's .pth; the CLIP models and PickScore: CLIPModel folders;
  // viclip: the reference's .pth with `viclip_merges` (bpe_simple_vocab_16e6.txt.gz).
  std::string dino, clip_b32, dinov2, clip_l14, viclip, viclip_merges, pickscore;
  std::string device = "cpu";
  // The VLM judge, when set: `judge.frames` frames of source and edit, `judge.max_side` pixels.
  std::optional<VlmClientOptions> vlm;
  VlmEvalOptions judge;
  ProgressOptions progress;
};

struct VideoBenchReport {
  nlohmann::ordered_json table;       // what table.json holds
  int64_t scored = 0, resumed = 0;    // videos scored now, and taken from an earlier run
  std::vector<std::string> missing;   // ids without a prediction
  std::vector<std::pair<std::string, std::string>> failed;  // id, why
  std::vector<ManifestProblem> problems;
};

VideoBenchReport run_video_bench(const VideoBenchOptions& options);
// The table as markdown: one row per category and "all", consistency ×100 as papers print it;
// numeric figures added to the rows beyond the metrics above follow as further columns.
std::string video_bench_markdown(const nlohmann::ordered_json& table);
// Writes table.json and table.md into `out` (again, after columns were added).
void write_video_bench_table(const nlohmann::ordered_json& table, const std::string& out);

// `--compare A B`: both prediction folders scored on the rows they both have, into <out>/a and
// <out>/b; <out>/compare.md puts each figure of A beside B's.
struct VideoBenchComparison {
  VideoBenchReport a, b;
  std::string markdown;
};
VideoBenchComparison compare_video_bench(VideoBenchOptions options, const std::string& a, const std::string& b);

}  // namespace viva
