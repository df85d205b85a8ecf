// viva data refine: the VLM stages of the paper's data filtering (§3.4) over a manifest:
// instruction rewriting, artefact labelling of the synthesised clips and the pair roles that
// follow (viva.md §2 Data).
#include <cstdio>
#include <memory>

#include "viva/cli/cli_common.h"
#include "viva/cli/vlm_options.h"
#include "viva/core/error.h"
#include "viva/data/vlm_refine.h"

namespace viva::cli {
namespace {

struct RefineArgs {
  VlmClientOptions client;
  VlmRefineOptions refine;
  std::string synthesized = "target", on_artifact = "flip";
};

void refine(RefineArgs& a) {
  a.refine.synthesized = a.synthesized == "source" ? SynthesizedSide::Source : SynthesizedSide::Target;
  a.refine.on_artifact = a.on_artifact == "drop" ? ArtifactAction::Drop : ArtifactAction::Flip;
  const VlmClient client(a.client);
  const VlmRefineSummary s = refine_manifest(client, a.refine);
  const std::string report = a.refine.report.empty() ? a.refine.out + ".refine.jsonl" : a.refine.report;
  std::printf("%s: %lld of %lld rows written; %lld instructions rewritten, %lld clips labelled (%lld with artifacts), "
              "%lld pairs flipped, %lld dropped for artifacts, %lld failed, %lld bad lines (details in %s)\n",
              a.refine.out.c_str(), static_cast<long long>(s.written), static_cast<long long>(s.rows),
              static_cast<long long>(s.rewritten), static_cast<long long>(s.labelled),
              static_cast<long long>(s.artifacts), static_cast<long long>(s.flipped),
              static_cast<long long>(s.dropped), static_cast<long long>(s.failed),
              static_cast<long long>(s.bad_lines), report.c_str());
  std::fflush(stdout);
  if (s.failed > 0)
    throw Error("viva data refine", std::to_string(s.failed) + " rows failed and were left out (see " + report + ")");
}

}  // namespace

void add_data_refine_command(CLI::App& data) {
  auto a = std::make_shared<RefineArgs>();
  auto* cmd = data.add_subcommand(
      "refine",
      "Refine a manifest of synthesised pairs with a VLM (paper §3.4): rewrite templated instructions into natural "
      "ones and/or label whether each synthesised clip is free of artifacts. A clip with artifacts is never a "
      "target: its pair is flipped so it becomes the source (instruction rewritten for the new direction), or "
      "dropped with --on-artifact drop. Rows whose VLM stage fails are left out and reported; exit 1 if any did. "
      "The API key is read from $VIVA_VLM_API_KEY (see --vlm-api-key-env)");
  cmd->add_option("manifest", a->refine.manifest, "JSONL manifest to refine")->required();
  cmd->add_option("--out", a->refine.out, "Refined manifest to write (paths made relative to its folder)")->required();
  add_vlm_client_options(*cmd, a->client);
  cmd->add_flag("--rewrite-instructions", a->refine.rewrite_instructions,
                "Rewrite every row's instruction from both clips, the captions and the templated instruction");
  cmd->add_flag("--label-artifacts", a->refine.label_artifacts,
                "Label each row's synthesised clip as with or free of artifacts and set the pair's roles from it");
  cmd->add_option("--synthesized", a->synthesized,
                  "Which clip of every input row is the synthesised one (the manifest does not record it)")
      ->check(CLI::IsMember({"target", "source"}))
      ->capture_default_str();
  cmd->add_option("--on-artifact", a->on_artifact,
                  "A row whose synthesised clip has artifacts: flip (make it the source) or drop")
      ->check(CLI::IsMember({"flip", "drop"}))
      ->capture_default_str();
  cmd->add_option("--clean-target-probability", a->refine.clean_target_probability,
                  "Chance that an artifact-free synthesised clip is the target rather than the source (drawn per row "
                  "from --seed and the id)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--seed", a->refine.seed, "Seed of the per-row draw above")->capture_default_str();
  cmd->add_option("--frames", a->refine.frames, "Evenly spaced frames of each clip shown to the VLM")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--max-side", a->refine.max_side, "Frames are shrunk to at most this many pixels a side")
      ->check(CLI::Range(16, 4096))
      ->capture_default_str();
  cmd->add_option("--split", a->refine.split, "Only refine rows of this split (the others are copied unchanged)");
  cmd->add_option("--jobs", a->refine.jobs, "Requests in flight at once")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--report", a->refine.report,
                  "JSONL report, one line per row: label and reason, flip, old and new instruction, error "
                  "(default: <out>.refine.jsonl)");
  set_guarded_callback(cmd, [a] { refine(*a); });
}

}  // namespace viva::cli
