#pragma once
// ShapesWorld's pair generation, stage by stage as the paper builds its data (paper §3.4, viva.md
// §3). Each stage is one function with plain inputs and outputs, so a real model could replace it:
//
//   1. caption -> objects      describe_clip        (captioner + LLM object extraction)
//   2. detect and track        detect_and_track     (Grounding-DINO + SAM 2)
//   3. synthesise the edit     synthesise_edit      (inpainting / re-generation)
//   4. rewrite the language    rewrite_text         (LLM caption and instruction rewriting)
//   5. filter                  filter_pair          (VLM artefact labelling)
//   6. choose roles            choose_roles         (which clip is source, which target)
//
// Here the "real" clip is a sampled scene, detection reads the scene graph, synthesis edits the
// graph and re-renders it, and language is templated.
#include <optional>
#include <string>
#include <vector>

#include "viva/data/manifest.h"
#include "viva/io/image.h"
#include "viva/io/video_frames.h"
#include "viva/shapes/world/edit_operation.h"
#include "viva/shapes/world/renderer.h"
#include "viva/shapes/world/rng.h"
#include "viva/shapes/world/scene.h"
#include "viva/shapes/world/scene_sampler.h"
#include "viva/shapes/world/splits.h"

namespace viva::shapes {

// How a pair is synthesised; each gives one manifest task (two where the roles may swap).
enum class Recipe {
  AddObject,         // add, or remove when the roles swap
  ReplaceObject,     // replace (a new shape, maybe colour, texture or a larger size)
  ChangeAttribute,   // attribute: colour, size or texture
  ChangeBackground,  // background
  ChangeWeather,     // weather: add, remove or change rain, snow, fog
  ReferenceAdd,      // reference_add: the new object is shown by a reference image
  ReferenceReplace,  // reference_replace
  Stylise,           // style (image pairs only)
  Hybrid,            // hybrid: two or three operations in one instruction (hybrid split only)
};
const char* name_of(Recipe recipe);

// Stage 1 output: the clip and what a captioner would say about it.
struct DescribedClip {
  Scene scene;
  std::string caption;
  std::vector<std::string> object_names;  // one per object, scene order
};

// Stage 2 output: the clip with each named object's instance mask in every frame.
struct TrackedClip {
  Scene scene;
  RenderedClip render;  // frames and per-object coverage
};

// Stage 3 output.
struct SynthesisedEdit {
  std::vector<EditOperation> operations;  // applied to the real clip's scene, in order
  Scene scene;
  RenderedClip render;
  std::optional<ShapeObject> reference;  // the look a reference image shows
};

// Stage 4 output. Instructions are absent when an object cannot be named unambiguously.
struct PairText {
  std::string real_caption, edited_caption;
  std::optional<std::string> forward;   // real -> edited
  std::optional<std::string> backward;  // edited -> real (only recipes whose roles may swap)
};

enum class Rejection { Ambiguous, Occluded, OffFrame, Invisible, NoRoom };
const char* name_of(Rejection rejection);

// A finished pair, ready to write.
struct ShapesPair {
  std::string task;  // a manifest task name
  SampleKind kind = SampleKind::Video;
  Split split = Split::Train;
  Scene source, target;
  VideoFrames source_video, target_video, mask;
  std::vector<EditOperation> operations;  // source -> target
  std::string instruction, source_caption, target_caption;
  std::optional<Image> reference;
};

// Stage 0, the stand-in for a real video: a random scene (held-out combinations excluded).
Scene sample_real_clip(Rng& rng, const SceneSamplerOptions& options);
// Stage 1.
DescribedClip describe_clip(const Scene& real, Rng& rng);
// Stage 2.
TrackedClip detect_and_track(const DescribedClip& clip);
// Stage 3: nullopt when the recipe cannot be applied to this clip (no object to edit, no room).
std::optional<SynthesisedEdit> synthesise_edit(const TrackedClip& real, Recipe recipe, Split split, Rng& rng);
// Stage 4.
PairText rewrite_text(const TrackedClip& real, const SynthesisedEdit& edit, Recipe recipe, Split split, Rng& rng);
// Stage 5: why the pair is unusable, or nullopt when it is kept.
std::optional<Rejection> filter_pair(const TrackedClip& real, const SynthesisedEdit& edit, const PairText& text);
// Stage 6.
ShapesPair choose_roles(const TrackedClip& real, const SynthesisedEdit& edit, const PairText& text, Split split,
                        Rng& rng);

// The edit mask: white wherever an edited object covers a pixel in either clip (frame by frame),
// the whole frame when an operation changes the background, weather or style.
VideoFrames edit_mask(const RenderedClip& source, const RenderedClip& target,
                      const std::vector<EditOperation>& operations);

}  // namespace viva::shapes
