#include "viva/pipeline/encode_dataset.h"

#include <functional>
#include <optional>
#include <tuple>

#include "viva/core/error.h"
#include "viva/io/video_reader.h"

namespace viva {
namespace {

// Keeps the valid (mask = 1) rows of a padded [1, L, D] instructor output.
torch::Tensor unpadded(const torch::Tensor& tokens, const torch::Tensor& mask) {
  return tokens[0].narrow(0, 0, mask.sum().item<int64_t>()).to(torch::kCPU);
}

}  // namespace

CachedSample encode_row(VivaPipeline& pipeline, const ManifestRow& row, int width, int height, int frames) {
  if (row.source.empty() || row.target.empty()) throw Error(row.id, "needs a source and a target");
  if (row.instruction.empty()) throw Error(row.id, "has an empty instruction");
  const int max_frames = row.kind == SampleKind::Image ? 1 : frames;
  const VideoFrames source = read_video_for_model(row.source, width, height, max_frames);
  const VideoFrames target = read_video_for_model(row.target, width, height, max_frames);
  if (source.frames != target.frames)
    throw Error(row.id, "source has " + std::to_string(source.frames) + " frames but target " +
                            std::to_string(target.frames));
  std::optional<Image> reference;
  if (!row.reference.empty()) reference = read_image(row.reference);

  const EditConditions c = pipeline.encode(source, row.instruction, reference);
  CachedSample s;
  s.id = row.id;
  s.kind = row.kind;
  s.task = row.task;
  s.split = row.split;
  s.source = c.source[0].to(torch::kCPU);
  s.target = pipeline.encode_video(target)[0].to(torch::kCPU);
  if (c.reference.defined()) s.reference = c.reference[0].to(torch::kCPU);
  s.tokens = unpadded(c.tokens, c.mask);
  s.uncond_tokens = unpadded(c.uncond_tokens, c.uncond_mask);
  s.pooled = c.pooled[0].to(torch::kCPU);
  s.uncond_pooled = c.uncond_pooled[0].to(torch::kCPU);

  const VaeOptions& vae = pipeline.vae()->options;
  if (!row.mask.empty()) {
    const VideoFrames mask = read_video_for_model(row.mask, width, height, max_frames);
    if (mask.frames != source.frames)
      throw Error(row.id, "mask has " + std::to_string(mask.frames) + " frames but source " + std::to_string(source.frames));
    auto pixels = torch::from_blob(const_cast<uint8_t*>(mask.pixels.data()), {mask.frames, mask.height, mask.width, 3},
                                   torch::kUInt8);
    s.mask = mask_to_latent_grid(pixels.amax(3).gt(127), vae.time_compression, vae.spatial_compression);
  } else {
    s.mask = torch::zeros({1, s.target.size(1), s.target.size(2), s.target.size(3)});
  }
  return s;
}

CachedSample encode_caption_clip(VivaPipeline& pipeline, const ManifestRow& row, const std::string& clip,
                                 const std::string& caption, int width, int height, int frames) {
  const VideoFrames video = read_video_for_model(clip, width, height, row.kind == SampleKind::Image ? 1 : frames);
  const EditConditions c = pipeline.encode_caption(caption);
  CachedSample s;
  s.id = row.id;
  s.kind = row.kind;
  s.task = "text_to_video";
  s.split = row.split;
  s.target = pipeline.encode_video(video)[0].to(torch::kCPU);
  s.tokens = unpadded(c.tokens, c.mask);
  s.uncond_tokens = unpadded(c.uncond_tokens, c.uncond_mask);
  s.pooled = c.pooled[0].to(torch::kCPU);
  s.uncond_pooled = c.uncond_pooled[0].to(torch::kCPU);
  s.mask = torch::zeros({1, s.target.size(1), s.target.size(2), s.target.size(3)});
  return s;
}

EncodeSummary encode_dataset(VivaPipeline& pipeline, const EncodeDatasetOptions& o) {
  const Manifest manifest = read_manifest(o.manifest);
  const VivaModelConfig& c = pipeline.config();
  const int width = o.width.value_or(c.width), height = o.height.value_or(c.height);
  const int frames = o.frames.value_or(c.frames);
  ConditionCacheWriter writer(o.out, o.shard_size);
  EncodeSummary summary;
  for (const ManifestProblem& p : manifest.problems) {
    ManifestRow row;
    row.line = p.line;
    writer.add_error(row, p.problem);
    std::fprintf(stderr, "viva: warning: %s:%lld: %s (skipped)\n", o.manifest.c_str(), static_cast<long long>(p.line),
                 p.problem.c_str());
    ++summary.failed;
  }
  // The rows to encode, counted first so that the progress total and ETA are theirs alone.
  std::vector<const ManifestRow*> selected;
  for (const ManifestRow& row : manifest.rows)
    if ((o.split.empty() || row.split == o.split) && (o.max_rows <= 0 || static_cast<int64_t>(selected.size()) < o.max_rows))
      selected.push_back(&row);
  Progress progress("encoding " + o.manifest, static_cast<int64_t>(selected.size()),
                    ProgressOptions(o.progress).set_unit("row"));
  for (const ManifestRow* selected_row : selected) {
    const ManifestRow& row = *selected_row;
    // One sample per row, or for text-to-video one per captioned clip ("<id>#source", "<id>#target").
    std::vector<std::pair<ManifestRow, std::function<CachedSample()>>> samples;
    if (!o.text_to_video) {
      samples.push_back({row, [&] { return encode_row(pipeline, row, width, height, frames); }});
    } else {
      for (const auto& [role, clip, caption] : {std::tuple{"source", row.source, row.source_caption},
                                                 std::tuple{"target", row.target, row.target_caption}}) {
        if (clip.empty() || caption.empty()) continue;
        ManifestRow clip_row = row;
        clip_row.id = row.id + "#" + role;
        samples.push_back({clip_row, [&pipeline, clip_row, clip_path = clip, clip_caption = caption, width, height,
                                      frames] {
                             return encode_caption_clip(pipeline, clip_row, clip_path, clip_caption, width, height,
                                                        frames);
                           }});
      }
    }
    for (auto& [sample_row, encode] : samples) {
      if (writer.done(sample_row.id)) {
        ++summary.already_cached;
        continue;
      }
      try {
        writer.add(encode());
        ++summary.encoded;
      } catch (const std::exception& e) {
        writer.add_error(sample_row, e.what());
        std::fprintf(stderr, "viva: warning: %s:%lld (%s): %s (skipped)\n", o.manifest.c_str(),
                     static_cast<long long>(sample_row.line), sample_row.id.c_str(), e.what());
        ++summary.failed;
      }
    }
    progress.advance();
  }
  writer.flush();
  progress.finish();
  return summary;
}

}  // namespace viva
