// Stage 6 of pair generation (pair_stages.h): which clip is the source and which the target,
// the manifest task that makes, and the edit mask.
#include <algorithm>

#include "viva/shapes/world/pair_stages.h"

namespace viva::shapes {
namespace {

std::string task_of(const std::vector<EditOperation>& ops) {
  if (ops.size() > 1) return "hybrid";
  const EditOperation& op = ops.front();
  switch (op.kind) {
    case EditKind::Add:
      return op.from_reference ? "reference_add" : "add";
    case EditKind::Remove:
      return "remove";
    case EditKind::Replace:
      return op.from_reference ? "reference_replace" : "replace";
    case EditKind::Recolour:
    case EditKind::Resize:
    case EditKind::Retexture:
      return "attribute";
    case EditKind::Background:
      return "background";
    case EditKind::Weather:
      return "weather";
    case EditKind::Style:
      return "style";
  }
  return "hybrid";
}

void mark_objects(VideoFrames& mask, const RenderedClip& render, const std::vector<int>& ids) {
  for (std::size_t i = 0; i < render.object_ids.size(); ++i) {
    if (std::find(ids.begin(), ids.end(), render.object_ids[i]) == ids.end()) continue;
    const std::vector<uint8_t>& cover = render.coverage[i];
    for (std::size_t p = 0; p < cover.size(); ++p)
      if (cover[p]) {
        uint8_t* px = mask.pixels.data() + 3 * p;  // coverage planes follow the frames' [T, H, W] order
        px[0] = px[1] = px[2] = 255;
      }
  }
}

}  // namespace

VideoFrames edit_mask(const RenderedClip& source, const RenderedClip& target,
                      const std::vector<EditOperation>& operations) {
  const VideoFrames& like = source.video;
  VideoFrames mask(like.frames, like.height, like.width, like.fps);
  const bool global = std::any_of(operations.begin(), operations.end(),
                                  [](const EditOperation& op) { return !is_object_edit(op.kind); });
  if (global) {
    std::fill(mask.pixels.begin(), mask.pixels.end(), uint8_t{255});
    return mask;
  }
  std::vector<int> ids;
  for (const EditOperation& op : operations) ids.push_back(op.object_id);
  mark_objects(mask, source, ids);
  mark_objects(mask, target, ids);
  return mask;
}

ShapesPair choose_roles(const TrackedClip& real, const SynthesisedEdit& edit, const PairText& text, Split split,
                        Rng& rng) {
  // Every ShapesWorld render is free of artefacts, so either clip may be the target (the paper
  // prefers the real clip as target only because its synthesised clips may be flawed).
  const bool swap = text.backward && rng.chance(0.5);
  ShapesPair pair;
  pair.split = split;
  pair.kind = real.scene.frames == 1 ? SampleKind::Image : SampleKind::Video;
  if (!swap) {
    pair.source = real.scene;
    pair.target = edit.scene;
    pair.source_video = real.render.video;
    pair.target_video = edit.render.video;
    pair.operations = edit.operations;
    pair.instruction = *text.forward;
    pair.source_caption = text.real_caption;
    pair.target_caption = text.edited_caption;
  } else {
    pair.source = edit.scene;
    pair.target = real.scene;
    pair.source_video = edit.render.video;
    pair.target_video = real.render.video;
    pair.operations = {inverse_edit(real.scene, edit.operations.front())};
    pair.instruction = *text.backward;
    pair.source_caption = text.edited_caption;
    pair.target_caption = text.real_caption;
  }
  pair.task = task_of(pair.operations);
  pair.mask = swap ? edit_mask(edit.render, real.render, pair.operations)
                   : edit_mask(real.render, edit.render, pair.operations);
  if (edit.reference) pair.reference = render_reference(*edit.reference, real.scene.width, real.scene.height);
  return pair;
}

}  // namespace viva::shapes
