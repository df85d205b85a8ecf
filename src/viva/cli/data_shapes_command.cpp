// viva data shapes: a ShapesWorld dataset (viva.md §3) — pairs, manifest, GRPO triplets, ground
// truth scene graphs and a summary.
#include <cstdio>
#include <memory>
#include <tuple>

#include "viva/cli/cli_common.h"
#include "viva/core/progress.h"
#include "viva/io/video_frames.h"
#include "viva/shapes/world/shapes_dataset.h"
#include "viva/shapes/world/splits.h"

namespace viva::cli {
namespace {

struct ShapesArgs {
  shapes::ShapesDatasetOptions options;
  std::string size = "64";
};

void data_shapes(ShapesArgs& a) {
  std::tie(a.options.pairs.width, a.options.pairs.height) = parse_frame_size(a.size);
  const shapes::ShapesDatasetSummary s = shapes::write_shapes_dataset(a.options);
  std::printf("%s", shapes::summary_table(s).c_str());
  std::string rejected;
  for (const auto& [why, n] : s.rejections) rejected += " " + why + " " + std::to_string(n);
  std::printf("\nfilter: %s\n", rejected.empty() ? " nothing rejected" : ("rejected tries:" + rejected).c_str());
  if (s.resumed) std::printf("resumed: %lld pairs were already complete\n", static_cast<long long>(s.resumed));
  std::printf("%lld pairs in %s; wrote %s\n", static_cast<long long>(s.pairs), format_duration(s.seconds).c_str(),
              s.manifest.c_str());
}

}  // namespace

void add_data_shapes_command(CLI::App& data) {
  auto a = std::make_shared<ShapesArgs>();
  auto* cmd = data.add_subcommand(
      "shapes",
      "Generate ShapesWorld editing pairs (video and one-frame image pairs of every task, reference images, edit "
      "masks) with a manifest, GRPO triplets (grpo.jsonl), ground-truth scene graphs (scenes/) for `viva eval "
      "shapes` and a summary; splits train/validation/test (held-out colour x shape) /hybrid. Deterministic for a "
      "seed; an interrupted run resumes when rerun with the same options");
  cmd->add_option("--out", a->options.out, "Output folder (new or empty, or an interrupted run to resume)")->required();
  cmd->add_option("--n", a->options.count, "Number of pairs")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--seed", a->options.pairs.seed, "Random seed")->capture_default_str();
  cmd->add_option("--size", a->size, "Frame size WIDTHxHEIGHT or N (at least 48)")->capture_default_str();
  cmd->add_option("--frames", a->options.pairs.frames, "Frames per video pair")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--fps", a->options.pairs.fps, "Frame rate of the videos")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--image-fraction", a->options.pairs.image_fraction,
                  "Share of one-frame image pairs (hybrid pairs are always videos)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--edits-per-scene", a->options.pairs.edits_per_scene,
                  "Pairs that share one scene (its split, kind and clip, which is each pair's source or target by "
                  "the pair's roles) with different edits, so the source alone does not tell a model the edit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--video-styles", a->options.pairs.video_styles,
               "A transfer probe set instead: every pair a video stylisation (training data has styles only as "
               "image pairs)");
  cmd->add_option("--jobs", a->options.jobs, "Worker threads (0: twice the cores; writers mostly wait on disk)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  set_guarded_callback(cmd, [a] { data_shapes(*a); });
}

}  // namespace viva::cli
