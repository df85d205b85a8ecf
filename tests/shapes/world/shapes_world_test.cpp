// ShapesWorld's renderer, scene graphs, language, splits and pair stages (viva.md §3).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <nlohmann/json.hpp>

#include "viva/core/error.h"
#include "viva/shapes/world/edit_operation.h"
#include "viva/shapes/world/language.h"
#include "viva/shapes/world/pair_generator.h"
#include "viva/shapes/world/palette.h"
#include "viva/shapes/world/renderer.h"
#include "viva/shapes/world/shape_geometry.h"
#include "viva/shapes/world/splits.h"

namespace viva::shapes {
namespace {

ShapeObject object(int id, Colour c, ShapeKind s, double size, double x, double y, Texture t = Texture::Solid) {
  ShapeObject o;
  o.id = id;
  o.colour = c;
  o.shape = s;
  o.size = size;
  o.x = x;
  o.y = y;
  o.texture = t;
  return o;
}

Scene empty_scene(int frames = 1) {
  Scene s;
  s.frames = frames;
  s.background = Background::Grey;
  return s;
}

bool has_held_out(const Scene& s) {
  return std::any_of(s.objects.begin(), s.objects.end(),
                     [](const ShapeObject& o) { return is_held_out(o.colour, o.shape); });
}

TEST(ShapesWorld, PaletteKeepsObjectColoursApartAndVisible) {
  for (Colour a : all_colours())
    for (Colour b : all_colours())
      if (a < b) {
        EXPECT_GE(colour_distance(colour_rgb(a), colour_rgb(b)), 80.0f) << name_of(a) << " vs " << name_of(b);
      }
  for (Background b : all_backgrounds()) {
    int visible = 0;
    for (Colour c : all_colours()) visible += object_visible(c, Texture::Solid, b, Weather::None);
    EXPECT_GE(visible, 6) << name_of(b);
  }
  // The studio backdrop shows no weather; gradients show all of it.
  EXPECT_FALSE(weather_allowed(Background::Cream, Weather::Rain));
  EXPECT_FALSE(weather_allowed(Background::Cream, Weather::Fog));
  EXPECT_TRUE(weather_allowed(Background::Night, Weather::Snow));
  // White with its grey shade would blend into a grey backdrop; only solid white is allowed there.
  EXPECT_TRUE(object_visible(Colour::White, Texture::Solid, Background::Grey, Weather::None));
  EXPECT_FALSE(object_visible(Colour::White, Texture::Striped, Background::Grey, Weather::None));
}

TEST(ShapesWorld, RenderedCoverageMatchesTheShapesAreas) {
  for (ShapeKind shape : all_shapes()) {
    Scene s = empty_scene();
    s.objects = {object(0, Colour::Red, shape, 40, 32, 32)};
    s.objects[0].angle = 0.3;
    const RenderedClip clip = render_scene(s);
    double covered = 0;
    for (uint8_t c : clip.coverage[0]) covered += c / 255.0;
    const double area = geometry_of(shape).area * 40 * 40;
    EXPECT_NEAR(covered / area, 1.0, 0.02) << name_of(shape);
  }
}

TEST(ShapesWorld, SceneGraphsRoundTripThroughJson) {
  for (int i = 0; i < 50; ++i) {
    Rng rng(3, i);
    SceneSamplerOptions options;
    const Scene scene = sample_scene(rng, options);
    const nlohmann::json j = to_json(scene);
    const Scene again = scene_from_json(nlohmann::json::parse(j.dump()));
    EXPECT_EQ(to_json(again), j);
    EXPECT_EQ(render_scene(again).video.pixels, render_scene(scene).video.pixels);
  }
  EXPECT_THROW(
      scene_from_json(nlohmann::json::parse(R"({"width": 64, "height": 64, "frames": 1, "background": "mars"})")),
      Error);
}

TEST(ShapesWorld, ObjectsBounceInsideTheFrameAndKeepApart) {
  for (int i = 0; i < 100; ++i) {
    Rng rng(4, i);
    SceneSamplerOptions options;
    options.frames = 40;
    const Scene scene = sample_scene(rng, options);
    ASSERT_FALSE(scene.objects.empty());
    for (const ShapeObject& o : scene.objects) {
      EXPECT_TRUE(clear_of_others(scene, o));
      EXPECT_TRUE(object_visible(o.colour, o.texture, scene.background, scene.weather));
      EXPECT_FALSE(is_held_out(o.colour, o.shape));
      for (int t = 0; t < scene.frames; ++t) {
        const Placement p = placement_at(o, t, scene.width, scene.height);
        const double r = object_radius(o);
        EXPECT_GE(p.x, r);
        EXPECT_LE(p.x, scene.width - r);
        EXPECT_GE(p.y, r);
        EXPECT_LE(p.y, scene.height - r);
      }
    }
  }
}

TEST(ShapesWorld, PairsAreDeterministicForASeed) {
  const PairGeneratorOptions options = PairGeneratorOptions().set_seed(11);
  for (int i : {0, 5, 10, 15}) {
    const GeneratedPair a = generate_pair(i, options), b = generate_pair(i, options);
    EXPECT_EQ(a.pair.instruction, b.pair.instruction);
    EXPECT_EQ(a.pair.source_video.pixels, b.pair.source_video.pixels);
    EXPECT_EQ(a.pair.target_video.pixels, b.pair.target_video.pixels);
    EXPECT_EQ(a.pair.mask.pixels, b.pair.mask.pixels);
  }
  const GeneratedPair other = generate_pair(0, PairGeneratorOptions().set_seed(12));
  EXPECT_NE(other.pair.source_video.pixels, generate_pair(0, options).pair.source_video.pixels);
}

// Pairs of one scene keep its split and kind and are built on its clip (the source or the
// target of each, by the pair's roles), with edits of their own that still hold exactly.
TEST(ShapesWorld, PairsOfASceneShareItsClipAndDifferInTheirEdits) {
  PairGeneratorOptions options = PairGeneratorOptions().set_seed(9).set_frames(3);
  options.edits_per_scene = 4;
  int groups_with_different_instructions = 0;
  for (int scene = 0; scene < 20; ++scene) {
    std::vector<ShapesPair> pairs;
    for (int j = 0; j < 4; ++j) pairs.push_back(generate_pair(4 * scene + j, options).pair);
    std::set<std::string> instructions;
    for (const ShapesPair& p : pairs) {
      EXPECT_EQ(p.split, split_for_index(scene)) << scene;
      EXPECT_EQ(p.kind, pairs[0].kind) << scene;
      const auto& a = pairs[0];
      const bool shares_clip = p.source_video.pixels == a.source_video.pixels ||
                               p.source_video.pixels == a.target_video.pixels ||
                               p.target_video.pixels == a.source_video.pixels ||
                               p.target_video.pixels == a.target_video.pixels;
      EXPECT_TRUE(shares_clip) << "scene " << scene;
      Scene expected = p.source;
      for (const EditOperation& op : p.operations) expected = apply_edit(expected, op);
      EXPECT_EQ(to_json(expected), to_json(p.target)) << scene;
      instructions.insert(p.instruction);
    }
    groups_with_different_instructions += instructions.size() > 1;
  }
  EXPECT_EQ(groups_with_different_instructions, 20);
  options.edits_per_scene = 0;
  EXPECT_THROW(generate_pair(0, options), Error);
}

TEST(ShapesWorld, PairsFollowTheirOperationsAndMasksCoverEveryChange) {
  const PairGeneratorOptions options = PairGeneratorOptions().set_seed(5);
  for (int i = 0; i < 120; ++i) {
    const ShapesPair p = generate_pair(i, options).pair;
    Scene expected = p.source;
    for (const EditOperation& op : p.operations) expected = apply_edit(expected, op);
    EXPECT_EQ(to_json(expected), to_json(p.target)) << i;
    EXPECT_EQ(render_scene(p.target).video.pixels, p.target_video.pixels);
    const std::size_t pixels = p.mask.pixels.size() / 3;
    std::size_t masked = 0;
    for (std::size_t k = 0; k < pixels; ++k) {
      if (p.mask.pixels[3 * k]) {
        ++masked;
        continue;
      }
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(p.source_video.pixels[3 * k + c], p.target_video.pixels[3 * k + c]) << "pair " << i;
    }
    const bool global = p.task == "background" || p.task == "weather" || p.task == "style";
    if (global) {
      EXPECT_EQ(masked, pixels) << p.task;
    } else if (p.task != "hybrid") {
      EXPECT_LT(masked, pixels / 2) << p.task;
    }
    EXPECT_FALSE(p.instruction.empty());
    EXPECT_EQ(p.reference.has_value(), p.task == "reference_add" || p.task == "reference_replace");
  }
}

TEST(ShapesWorld, SplitsHoldOutCombinationsStylesAndHybrids) {
  const PairGeneratorOptions options = PairGeneratorOptions().set_seed(8).set_image_fraction(0.5);
  int test_pairs = 0, hybrid_pairs = 0, style_pairs = 0;
  for (int i = 0; i < 400; ++i) {
    const ShapesPair p = generate_pair(i, options).pair;
    EXPECT_EQ(p.split, split_for_index(i));
    if (p.task == "style") {
      ++style_pairs;
      EXPECT_EQ(p.kind, SampleKind::Image);
    }
    EXPECT_EQ(p.task == "hybrid", p.split == Split::Hybrid) << i;
    if (p.split == Split::Hybrid) {
      ++hybrid_pairs;
      EXPECT_GE(p.operations.size(), 2u);
      EXPECT_EQ(p.kind, SampleKind::Video);
    }
    if (p.split == Split::Test) {
      ++test_pairs;
      EXPECT_FALSE(has_held_out(p.source)) << i;
      EXPECT_TRUE(has_held_out(p.target)) << i << ": " << p.instruction;
    } else {
      EXPECT_FALSE(has_held_out(p.source) || has_held_out(p.target)) << i;
    }
  }
  EXPECT_EQ(test_pairs, 20);
  EXPECT_EQ(hybrid_pairs, 20);
  EXPECT_GT(style_pairs, 0);
}

TEST(ShapesWorld, VideoStyleProbeSetIsAllVideoStylisations) {
  PairGeneratorOptions options = PairGeneratorOptions().set_seed(3).set_frames(5);
  options.video_styles = true;
  for (int i = 0; i < 20; ++i) {
    const ShapesPair p = generate_pair(i, options).pair;
    EXPECT_EQ(p.task, "style") << i;
    EXPECT_EQ(p.kind, SampleKind::Video) << i;
    EXPECT_EQ(p.target_video.frames, 5) << i;
    ASSERT_EQ(p.operations.size(), 1u);
    EXPECT_NE(p.source_video.pixels, p.target_video.pixels) << i << ": " << p.instruction;
  }
}

TEST(ShapesWorld, ReferringExpressionsSingleObjectsOut) {
  Rng rng(1);
  Scene s = empty_scene();
  s.objects = {object(0, Colour::Red, ShapeKind::Circle, 14, 14, 20),
               object(1, Colour::Red, ShapeKind::Circle, 23, 44, 40),
               object(2, Colour::Blue, ShapeKind::Square, 14, 44, 12)};
  for (int k = 0; k < 20; ++k) {
    const std::string small = *referring_expression(s, 0, rng), large = *referring_expression(s, 1, rng);
    EXPECT_TRUE(small.find("small") != std::string::npos || small.find("little") != std::string::npos ||
                small.find("tiny") != std::string::npos)
        << small;
    EXPECT_TRUE(large.find("larg") != std::string::npos || large.find("big") != std::string::npos) << large;
    const std::string square = *referring_expression(s, 2, rng);
    EXPECT_TRUE(square.find("square") != std::string::npos || square.find("box") != std::string::npos ||
                square.find("block") != std::string::npos)
        << square;
  }
  // Identical objects: told apart by position, or not at all.
  s.objects = {object(0, Colour::Red, ShapeKind::Star, 14, 12, 30),
               object(1, Colour::Red, ShapeKind::Star, 14, 50, 32)};
  EXPECT_NE(referring_expression(s, 0, rng)->find("on the left"), std::string::npos);
  EXPECT_NE(referring_expression(s, 1, rng)->find("on the right"), std::string::npos);
  s.objects[1].x = 14;
  s.objects[1].y = 33;
  EXPECT_FALSE(referring_expression(s, 0, rng).has_value());
}

TEST(ShapesWorld, InverseEditsRestoreTheScene) {
  Scene s = empty_scene();
  s.background = Background::Sky;
  s.objects = {object(0, Colour::Red, ShapeKind::Circle, 14, 14, 20),
               object(1, Colour::Yellow, ShapeKind::Star, 22, 44, 40)};
  std::vector<EditOperation> ops(6);
  ops[0].kind = EditKind::Add;
  ops[0].object_id = 2;
  ops[0].object = object(2, Colour::Green, ShapeKind::Cross, 14, 40, 12);
  ops[1].kind = EditKind::Remove;
  ops[1].object_id = 0;
  ops[2].kind = EditKind::Replace;
  ops[2].object_id = 1;
  ops[2].object = object(1, Colour::Pink, ShapeKind::Ring, 22, 44, 40);
  ops[3].kind = EditKind::Recolour;
  ops[3].object_id = 0;
  ops[3].object = object(0, Colour::White, ShapeKind::Circle, 14, 14, 20);
  ops[4].kind = EditKind::Background;
  ops[4].background = Background::Night;
  ops[5].kind = EditKind::Weather;
  ops[5].weather = Weather::Snow;
  for (const EditOperation& op : ops) {
    const Scene edited = apply_edit(s, op);
    EXPECT_NE(to_json(edited), to_json(s)) << name_of(op.kind);
    EXPECT_EQ(to_json(apply_edit(edited, inverse_edit(s, op))).dump(), to_json(s).dump()) << name_of(op.kind);
    Rng rng(2);
    EXPECT_TRUE(instruction_clause(s, op, rng).has_value()) << name_of(op.kind);
  }
  EditOperation missing;
  missing.kind = EditKind::Remove;
  missing.object_id = 9;
  EXPECT_THROW(apply_edit(s, missing), Error);
}

}  // namespace
}  // namespace viva::shapes
