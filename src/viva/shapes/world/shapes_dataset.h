#pragma once
// `viva data shapes`: a ShapesWorld dataset on disk (viva.md §3).
//
//   DIR/manifest.jsonl          one row per pair (data/manifest.h); written last, so its presence
//                               means the dataset is complete
//   DIR/grpo.jsonl              GRPO triplets (data/grpo_prompts.h) of every video pair: {id, source,
//                               source_caption (t_src), target_caption (t_edit), instruction, split,
//                               reference (reference pairs)}; the GRPO trainer keeps one split
//   DIR/scenes/<id>.json        ground truth for the oracle judge: task, kind, split, operations,
//                               source_scene, target_scene (scene.h JSON), reference_object
//   DIR/media/<id>_{source,target,mask}.mkv   videos (lossless FFV1); image pairs as .png
//   DIR/media/<id>_reference.png              reference pairs only
//   DIR/summary.json            counts per task, kind and split; filter rejections; time
//   DIR/generation.json         the options, written first: a rerun with the same options resumes
//                               an interrupted run (pairs whose scene file exists are kept), other
//                               options or a finished folder are refused
//
// Every file is written under a temporary name and renamed when complete.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <string>

#include "viva/core/progress.h"
#include "viva/io/video_writer.h"
#include "viva/shapes/world/pair_generator.h"

namespace viva::shapes {

struct ShapesDatasetOptions {
  std::string out;
  int64_t count = 1000;
  PairGeneratorOptions pairs;
  int jobs = 0;  // worker threads; 0: twice the cores (workers mostly wait on file syncs)
  // How video clips are stored: ".mkv" (lossless FFV1), or "" for folders of PNG frames (the
  // default when viva is built without FFmpeg).
  std::string video_extension = lossless_video_extension();
  ProgressMode progress = ProgressMode::Auto;
};

struct ShapesDatasetSummary {
  std::string manifest;
  int64_t pairs = 0;
  int64_t resumed = 0;  // pairs found complete from an interrupted run
  // task -> kind ("video"/"image") -> split -> pairs
  std::map<std::string, std::map<std::string, std::map<std::string, int64_t>>> counts;
  std::map<std::string, int64_t> rejections;  // filter verdicts on discarded tries
  double seconds = 0;
};

ShapesDatasetSummary write_shapes_dataset(const ShapesDatasetOptions& options);

// Markdown table of pairs per task and kind (rows) and split (columns), with totals.
std::string summary_table(const ShapesDatasetSummary& summary);
nlohmann::json to_json(const ShapesDatasetSummary& summary);

// "shapes-000042"
std::string pair_id(int64_t index);

}  // namespace viva::shapes
