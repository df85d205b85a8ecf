#include "viva/shapes/world/pair_generator.h"

#include <optional>

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
  if (options.edits_per_scene < 1) throw Error("ShapesWorld: edits per scene must be at least 1");
  const bool shared = options.edits_per_scene > 1;
  const int64_t scene = index / options.edits_per_scene;
  // One stream when scenes are not shared, so such datasets stay what they were.
  Rng scene_rng(options.seed, static_cast<uint64_t>(scene));
  Rng own_edit_rng(options.seed ^ 0x5EED0FED17ull, static_cast<uint64_t>(index));
  Rng& rng = shared ? own_edit_rng : scene_rng;
  const Split split = split_for_index(scene);
  const SampleKind kind = !options.video_styles && split != Split::Hybrid && scene_rng.chance(options.image_fraction)
                              ? SampleKind::Image
                              : SampleKind::Video;
  GeneratedPair out;
  out.recipe = options.video_styles ? Recipe::Stylise : choose_recipe(rng, split, kind);
  SceneSamplerOptions scene_options;
  scene_options.width = options.width;
  scene_options.height = options.height;
  scene_options.frames = kind == SampleKind::Image ? 1 : options.frames;
  scene_options.fps = options.fps;
  // A shared scene is kept while other edits are tried on it (another recipe every few tries), so
  // the pairs of a scene rarely end up on different clips.
  constexpr int kTriesPerRecipe = 8, kTriesPerSharedScene = 200;
  std::optional<TrackedClip> tracked;
  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    if (!tracked || !shared || attempt % kTriesPerSharedScene == 0)
      tracked = detect_and_track(describe_clip(sample_real_clip(scene_rng, scene_options), scene_rng));
    if (shared && !options.video_styles && attempt > 0 && attempt % kTriesPerRecipe == 0)
      out.recipe = choose_recipe(rng, split, kind);
    const std::optional<SynthesisedEdit> edit = synthesise_edit(*tracked, out.recipe, split, rng);
    if (!edit) {
      ++out.rejections[static_cast<std::size_t>(Rejection::NoRoom)];
      continue;
    }
    const PairText text = rewrite_text(*tracked, *edit, out.recipe, split, rng);
    if (const std::optional<Rejection> why = filter_pair(*tracked, *edit, text)) {
      ++out.rejections[static_cast<std::size_t>(*why)];
      continue;
    }
    out.pair = choose_roles(*tracked, *edit, text, split, rng);
    return out;
  }
  throw Error("ShapesWorld pair " + std::to_string(index) + " (" + name_of(out.recipe) + "): no try of " +
              std::to_string(options.max_attempts) + " passed the filter");
}

}  // namespace viva::shapes
