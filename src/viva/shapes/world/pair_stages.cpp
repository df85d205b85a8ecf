// Stages 0-2 of pair generation (pair_stages.h): the stand-in real clip, its description and the
// tracking of its objects.
#include "viva/shapes/world/pair_stages.h"

#include "viva/shapes/world/language.h"

namespace viva::shapes {

const char* name_of(Recipe recipe) {
  switch (recipe) {
    case Recipe::AddObject:
      return "add_object";
    case Recipe::ReplaceObject:
      return "replace_object";
    case Recipe::ChangeAttribute:
      return "change_attribute";
    case Recipe::ChangeBackground:
      return "change_background";
    case Recipe::ChangeWeather:
      return "change_weather";
    case Recipe::ReferenceAdd:
      return "reference_add";
    case Recipe::ReferenceReplace:
      return "reference_replace";
    case Recipe::Stylise:
      return "stylise";
    case Recipe::Hybrid:
      return "hybrid";
  }
  return "?";
}

const char* name_of(Rejection rejection) {
  switch (rejection) {
    case Rejection::Ambiguous:
      return "ambiguous";
    case Rejection::Occluded:
      return "occluded";
    case Rejection::OffFrame:
      return "off_frame";
    case Rejection::Invisible:
      return "invisible";
    case Rejection::NoRoom:
      return "no_room";
  }
  return "?";
}

Scene sample_real_clip(Rng& rng, const SceneSamplerOptions& options) {
  return sample_scene(rng, options, HeldOut::Exclude);
}

DescribedClip describe_clip(const Scene& real, Rng& rng) {
  DescribedClip clip;
  clip.scene = real;
  clip.caption = scene_caption(real, rng);
  for (const ShapeObject& o : real.objects) clip.object_names.push_back(object_phrase(o, real.width, real.height, rng));
  return clip;
}

TrackedClip detect_and_track(const DescribedClip& clip) {
  // The renderer's per-object coverage is exactly what a detector plus a video segmenter would
  // estimate: one instance mask per named object per frame.
  return {clip.scene, render_scene(clip.scene)};
}

}  // namespace viva::shapes
