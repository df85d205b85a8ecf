#pragma once
// `viva data refine`: the two VLM stages of the paper's data filtering (§3.4) over a manifest,
// and the pair-role rule of viva.md §2 Data: "the synthesised video is the source and the real
// one the target, except where a synthesised target is labelled artifact-free".
//
// The manifest does not record which clip of a pair was synthesised, so the run is told
// (`synthesized`, the same for every row). With artefact labelling on, the synthesised clip of
// each row is labelled and the row's roles follow the rule:
//   - labelled with artefacts: the synthesised clip must be the source. A row that had it as
//     target is flipped (source <-> target, captions swapped, the task inverted: add <-> remove,
//     reference_add -> remove and reference_replace -> replace without the reference) and its
//     instruction rewritten for the new direction; or dropped with on_artifact = Drop.
//   - labelled artifact-free: the synthesised clip is the target with probability
//     clean_target_probability (the paper's random choice; decided per row by a hash of the seed
//     and the id, so reruns agree), else the source; a row whose roles change is flipped as above.
// Without labelling nothing is flipped. With rewriting on, every kept row's instruction is
// rewritten. A row whose VLM stage fails (after the client's retries) is left out of the output
// and reported; the output keeps the manifest's order.
#include <cstdint>
#include <string>

#include "viva/core/progress.h"
#include "viva/data/manifest.h"
#include "viva/vlm/vlm_client.h"

namespace viva {

enum class SynthesizedSide { Source, Target };
enum class ArtifactAction { Flip, Drop };

struct VlmRefineOptions {
  std::string manifest;
  std::string out;     // the refined manifest
  std::string report;  // JSONL, one line per row (labels, reasons, old and new instruction, errors)
  bool rewrite_instructions = false;
  bool label_artifacts = false;
  SynthesizedSide synthesized = SynthesizedSide::Target;
  ArtifactAction on_artifact = ArtifactAction::Flip;
  double clean_target_probability = 0.5;
  uint64_t seed = 0;
  int frames = 4;       // evenly spaced frames of each clip shown to the VLM
  int max_side = 512;   // frames shrunk to fit this many pixels
  std::string split;    // only rows of this split ("" = all); other rows are copied unchanged
  int jobs = 1;
  ProgressMode progress = ProgressMode::Auto;
};

struct VlmRefineSummary {
  int64_t rows = 0;        // rows read (that parsed)
  int64_t written = 0;     // rows in the output
  int64_t rewritten = 0;   // instructions rewritten (flipped rows included)
  int64_t labelled = 0;
  int64_t artifacts = 0;   // labelled with artefacts
  int64_t flipped = 0;
  int64_t dropped = 0;     // dropped for artefacts (on_artifact = Drop)
  int64_t failed = 0;      // left out because a VLM stage failed
  int64_t bad_lines = 0;   // manifest lines that did not parse (left out, reported)
};

VlmRefineSummary refine_manifest(const VlmClient& client, const VlmRefineOptions& options);

// The row with source and target swapped, captions swapped and the task inverted (see above);
// the instruction is left for the caller to rewrite.
ManifestRow flip_pair(const ManifestRow& row);

// Whether an artifact-free synthesised clip of row `id` is used as the target: a deterministic
// draw, uniform in [0, 1) from (seed, id), below `probability`.
bool clean_synthetic_as_target(uint64_t seed, const std::string& id, double probability);

}  // namespace viva
