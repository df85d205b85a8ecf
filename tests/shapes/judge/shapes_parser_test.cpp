// The ShapesWorld scene parser against the scene graphs it should recover (viva.md §3).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "viva/shapes/judge/scene_comparison.h"
#include "viva/shapes/world/pair_stages.h"

namespace viva::shapes {
namespace {

// Share of random scenes (as the generator samples them) the parser recovers exactly: background,
// weather, every object's colour, shape, size class and texture, positions within 1.5 px.
double exact_share(int count, int frames, uint64_t seed, int noise = 0, bool blur = false) {
  int exact = 0;
  for (int i = 0; i < count; ++i) {
    Rng rng(seed, static_cast<uint64_t>(i));
    SceneSamplerOptions options;
    options.frames = frames;
    const Scene scene = sample_real_clip(rng, options);
    VideoFrames video = render_scene(scene).video;
    if (blur) {
      // 3x3 binomial blur, as a decoder's smoothing would.
      const VideoFrames sharp = video;
      for (int t = 0; t < video.frames; ++t)
        for (int y = 0; y < video.height; ++y)
          for (int x = 0; x < video.width; ++x)
            for (int c = 0; c < 3; ++c) {
              int sum = 0;
              for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                  const int xx = std::clamp(x + dx, 0, video.width - 1), yy = std::clamp(y + dy, 0, video.height - 1);
                  sum += (dx ? 1 : 2) * (dy ? 1 : 2) * sharp.frame(t)[(yy * video.width + xx) * 3 + c];
                }
              video.frame(t)[(y * video.width + x) * 3 + c] = static_cast<uint8_t>((sum + 8) / 16);
            }
    }
    if (noise) {
      Rng noise_rng(seed + 1, static_cast<uint64_t>(i));
      for (uint8_t& p : video.pixels)
        p = static_cast<uint8_t>(std::clamp(p + noise_rng.below(2 * noise + 1) - noise, 0, 255));
    }
    const ParseComparison c = compare_with_scene(parse_scene(video), scene, object_ids(scene), 1.5);
    exact += c.exact();
  }
  return static_cast<double>(exact) / count;
}

TEST(ShapesParser, RecoversRenderedScenesExactly) {
  const double images = exact_share(400, 1, 41), videos = exact_share(60, 9, 42);
  std::printf("exact recovery: %.2f%% of 400 images, %.2f%% of 60 nine-frame videos\n", 100 * images, 100 * videos);
  EXPECT_GE(images, 0.99);
  EXPECT_GE(videos, 0.99);
}

TEST(ShapesParser, ToleratesBlurAndNoise) {
  // Model outputs are never this clean; the parser should still read most scenes.
  const double share = exact_share(200, 1, 43, 6, true);
  std::printf("exact recovery under 3x3 blur and +-6 noise: %.1f%% of 200 images\n", 100 * share);
  EXPECT_GE(share, 0.8);
}

TEST(ShapesParser, FindsEveryBackgroundAndWeather) {
  for (Background b : all_backgrounds())
    for (Weather w : all_weathers()) {
      if (!weather_allowed(b, w)) continue;
      Scene scene;
      scene.frames = 3;
      scene.background = b;
      scene.weather = w;
      scene.weather_seed = 9;
      const ParsedScene parse = parse_scene(render_scene(scene).video);
      EXPECT_EQ(parse.background, b) << name_of(b) << " " << name_of(w);
      EXPECT_EQ(parse.weather, w) << name_of(b) << " " << name_of(w);
      EXPECT_TRUE(parse.objects.empty()) << name_of(b) << " " << name_of(w);
    }
}

TEST(ShapesParser, TracksObjectsAndReportsDifferences) {
  Scene scene;
  scene.frames = 9;
  scene.background = Background::Sky;
  ShapeObject a;
  a.id = 0;
  a.colour = Colour::Red;
  a.shape = ShapeKind::Star;
  a.size = 22;
  a.x = 16;
  a.y = 20;
  a.vx = 1.2;
  a.spin = 0.1;
  ShapeObject b = a;
  b.id = 1;
  b.colour = Colour::Yellow;
  b.shape = ShapeKind::Triangle;
  b.texture = Texture::Striped;
  b.size = 14;
  b.x = 44;
  b.y = 46;
  b.vx = -1;
  scene.objects = {a, b};
  const ParsedScene parse = parse_scene(render_scene(scene).video);
  ASSERT_EQ(parse.objects.size(), 2u);
  EXPECT_DOUBLE_EQ(parse.consistency(), 1.0);
  EXPECT_TRUE(compare_with_scene(parse, scene, {0, 1}, 1.5).exact());

  Scene moved = scene;
  moved.objects[1].x = 40;
  const ParseComparison c = compare_with_scene(parse, moved, {1}, 1.5);
  EXPECT_FALSE(c.positions);
  EXPECT_TRUE(c.objects);
  EXPECT_TRUE(compare_with_scene(parse, moved, {0}, 1.5).exact());  // only the untouched object is checked
  Scene recoloured = scene;
  recoloured.objects[0].colour = Colour::Blue;
  const ParseComparison r = compare_with_scene(parse, recoloured, {}, 1.5);
  EXPECT_FALSE(r.objects);
  ASSERT_EQ(r.differences.size(), 2u);
  EXPECT_NE(std::find(r.differences.begin(), r.differences.end(), "missing: large blue star"), r.differences.end());
  EXPECT_NE(std::find(r.differences.begin(), r.differences.end(), "unexpected: large red star"), r.differences.end());
}

}  // namespace
}  // namespace viva::shapes
