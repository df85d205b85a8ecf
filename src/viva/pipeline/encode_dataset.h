#pragma once
// `viva data encode`: a manifest's rows through the frozen encoders into a condition cache.
#include <optional>
#include <string>

#include "viva/core/progress.h"
#include "viva/data/condition_cache.h"
#include "viva/pipeline/viva_pipeline.h"

namespace viva {

struct EncodeDatasetOptions {
  std::string manifest;
  std::string out;          // cache folder (resumed when it exists)
  int64_t shard_size = 64;  // samples per shard
  std::optional<int> width, height, frames;  // empty: the model's; frames are cut to 4k+1
  std::string split;        // only rows of this split ("" = all)
  int64_t max_rows = 0;     // only the first this many rows of the split; 0: all
  // Text-to-video pretraining data instead of edit pairs: every source clip with its source
  // caption and every target clip with its target caption, ids "<row id>/source|target".
  bool text_to_video = false;
  ProgressOptions progress;
};

struct EncodeSummary {
  int64_t encoded = 0, already_cached = 0, failed = 0;
};

EncodeSummary encode_dataset(VivaPipeline& pipeline, const EncodeDatasetOptions& options);

// One manifest row's tensors (used by encode_dataset; exposed for tests).
CachedSample encode_row(VivaPipeline& pipeline, const ManifestRow& row, int width, int height, int frames);
// One clip with its caption, for text-to-video pretraining: target = the clip's latent, no source.
CachedSample encode_caption_clip(VivaPipeline& pipeline, const ManifestRow& row, const std::string& clip,
                                 const std::string& caption, int width, int height, int frames);

}  // namespace viva
