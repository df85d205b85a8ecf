#include "viva/data/shapes/pair_generator.h"

#include "viva/core/error.h"

namespace viva::shapes {
namespace {

Recipe choose_recipe(Rng& rng, Split split, SampleKind kind) {
  if (split == Split::Hybrid) return Recipe::Hybrid;
  if (split == Split::Test) {
    // Only edits that create an object, so the created one can be a held-out combination.
    static const std::vector<Recipe> test = {Recipe::AddObject, Recipe::ReplaceObject, Recipe::ChangeAttribute,
                                             Recipe::ReferenceAdd, Recipe::ReferenceReplace};
    return test[static_cast<std::size_t>(rng.weighted({1, 1, 1, 0.5, 0.5}))];
  }
  static const std::vector<Recipe> recipes = {Recipe::AddObject,        Recipe::ReplaceObject, Recipe::ChangeAttribute,
                                              Recipe::ChangeBackground, Recipe::ChangeWeather, Recipe::ReferenceAdd,
                                              Recipe::ReferenceReplace, Recipe::Stylise};
  const double style_weight = kind == SampleKind::Image ? 2 : 0;  // stylisation only in image pairs
  return recipes[static_cast<std::size_t>(rng.weighted({2, 2, 2, 1, 1, 0.5, 0.5, style_weight}))];
}

}  // namespace

GeneratedPair generate_pair(int64_t index, const PairGeneratorOptions& options) {
  Rng rng(options.seed, static_cast<uint64_t>(index));
  const Split split = split_for_index(index);
  const SampleKind kind = !options.video_styles && split != Split::Hybrid && rng.chance(options.image_fraction)
                              ? SampleKind::Image
                              : SampleKind::Video;
  GeneratedPair out;
  out.recipe = options.video_styles ? Recipe::Stylise : choose_recipe(rng, split, kind);
  SceneSamplerOptions scene_options;
  scene_options.width = options.width;
  scene_options.height = options.height;
  scene_options.frames = kind == SampleKind::Image ? 1 : options.frames;
  scene_options.fps = options.fps;
  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    const DescribedClip described = describe_clip(sample_real_clip(rng, scene_options), rng);
    const TrackedClip tracked = detect_and_track(described);
    const std::optional<SynthesisedEdit> edit = synthesise_edit(tracked, out.recipe, split, rng);
    if (!edit) {
      ++out.rejections[static_cast<std::size_t>(Rejection::NoRoom)];
      continue;
    }
    const PairText text = rewrite_text(tracked, *edit, out.recipe, split, rng);
    if (const std::optional<Rejection> why = filter_pair(tracked, *edit, text)) {
      ++out.rejections[static_cast<std::size_t>(*why)];
      continue;
    }
    out.pair = choose_roles(tracked, *edit, text, split, rng);
    return out;
  }
  throw Error("ShapesWorld pair " + std::to_string(index) + " (" + name_of(out.recipe) + "): no try of " +
              std::to_string(options.max_attempts) + " passed the filter");
}

}  // namespace viva::shapes
