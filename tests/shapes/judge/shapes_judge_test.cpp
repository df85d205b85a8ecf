// The ShapesWorld oracle judge: targets follow their instructions, sources do not, and the pixel
// metrics agree with closed forms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "../../support/temp_dir.h"
#include "viva/data/manifest.h"
#include "viva/io/image.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"
#include "viva/shapes/judge/judge_report.h"
#include "viva/shapes/judge/masked_metrics.h"
#include "viva/shapes/judge/parse_rerender.h"
#include "viva/shapes/world/shapes_dataset.h"

namespace viva::shapes {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A small dataset and a prediction folder holding each pair's target (or source).
struct Fixture {
  TempDir dir;
  std::string manifest;
  Fixture() {
    ShapesDatasetOptions o;
    o.out = dir.file("d");
    o.count = 80;
    o.pairs.seed = 6;
    o.pairs.image_fraction = 0.4;
    o.progress = ProgressMode::Silent;
    manifest = write_shapes_dataset(o).manifest;
  }
  std::string predictions(bool targets) {
    const std::string folder = dir.file(targets ? "targets" : "sources");
    fs::create_directories(folder);
    for (const ManifestRow& r : read_manifest(manifest).rows) {
      const std::string& clip = targets ? r.target : r.source;
      fs::copy_file(clip, folder + "/" + r.id + fs::path(clip).extension().string(),
                    fs::copy_options::overwrite_existing);
    }
    return folder;
  }
  JudgeReport judge(const std::string& folder) {
    JudgeRunOptions o;
    o.manifest = manifest;
    o.predictions = folder;
    o.progress = ProgressMode::Silent;
    return judge_predictions(o);
  }
};

TEST(ShapesJudge, TargetsFollowEveryInstructionAndSourcesNone) {
  Fixture f;
  const JudgeReport targets = f.judge(f.predictions(true));
  EXPECT_EQ(targets.all.clips, 80);
  EXPECT_EQ(targets.all.followed, 80);
  for (const ClipScore& s : targets.clips) {
    EXPECT_TRUE(s.followed) << s.id << " " << s.task << ": " << (s.differences.empty() ? "" : s.differences.front());
    // Outside the edit mask the target is the source exactly.
    if (!std::isnan(s.psnr)) {
      EXPECT_TRUE(std::isinf(s.psnr)) << s.id;
    }
    if (!std::isnan(s.ssim)) {
      EXPECT_DOUBLE_EQ(s.ssim, 1.0) << s.id;
    }
    if (!std::isnan(s.stability)) {
      EXPECT_DOUBLE_EQ(s.stability, 1.0) << s.id;
    }
    EXPECT_LT(s.artefact, 2.0) << s.id;
  }
  EXPECT_GE(targets.by_task.size(), 9u);
  EXPECT_EQ(targets.by_split.at("test").followed, targets.by_split.at("test").clips);

  // Every edit changes something the parser sees, so the unchanged source never passes.
  const JudgeReport sources = f.judge(f.predictions(false));
  EXPECT_EQ(sources.all.followed, 0);
  for (const ClipScore& s : sources.clips) {
    EXPECT_FALSE(s.differences.empty()) << s.id;
    if (!std::isnan(s.psnr)) {
      EXPECT_TRUE(std::isinf(s.psnr)) << s.id;
    }
  }
  EXPECT_NE(report_table(sources).find("| **all** | 80 | 0 | 0 | 0.0 |"), std::string::npos) << report_table(sources);
}

TEST(ShapesJudge, CountsMissingAndUnusablePredictions) {
  Fixture f;
  const std::string folder = f.predictions(true);
  const Manifest m = read_manifest(f.manifest);
  fs::remove(folder + "/" + m.rows[0].id + fs::path(m.rows[0].target).extension().string());
  // A prediction of the wrong size is scored as failed, not fatal.
  const ManifestRow& video =
      *std::find_if(m.rows.begin() + 1, m.rows.end(), [](const ManifestRow& r) { return r.kind == SampleKind::Video; });
  VideoFrames small = read_video(video.target);
  small.frames = 5;
  small.pixels.resize(small.frame_bytes() * 5);
  fs::remove(folder + "/" + video.id + ".mkv");
  write_video(folder + "/" + video.id + ".mkv", small);
  const JudgeReport r = f.judge(folder);
  EXPECT_EQ(r.all.missing, 1);
  EXPECT_EQ(r.all.failed, 1);
  EXPECT_EQ(r.all.followed, 78);
  EXPECT_EQ(find_prediction(folder, "nothing-here"), "");
  testing::expect_error_containing([&] { f.judge(f.dir.file("absent")); }, {"absent", "does not exist"});
}

TEST(ShapesJudge, SaysWhenTheRightStyleIsTooFarFromTheSource) {
  Fixture f;
  const std::string folder = f.predictions(true);
  const Manifest m = read_manifest(f.manifest);
  const auto style = std::find_if(m.rows.begin(), m.rows.end(), [](const ManifestRow& r) { return r.task == "style"; });
  ASSERT_NE(style, m.rows.end());
  // The target with every channel value 50 off (alternately up and down): still nearest to the
  // expected style, but 14-17 dB from it, below style_min_psnr.
  Image noisy = read_image(style->target);
  for (std::size_t i = 0; i < noisy.rgb.size(); ++i)
    noisy.rgb[i] = static_cast<uint8_t>(std::clamp(noisy.rgb[i] + (i % 2 ? 50 : -50), 0, 255));
  write_image(folder + "/" + style->id + fs::path(style->target).extension().string(), noisy);
  const JudgeReport r = f.judge(folder);
  const auto score = std::find_if(r.clips.begin(), r.clips.end(), [&](const ClipScore& c) { return c.id == style->id; });
  ASSERT_NE(score, r.clips.end());
  EXPECT_FALSE(score->followed);
  ASSERT_EQ(score->differences.size(), 1u);
  EXPECT_NE(score->differences[0].find("as expected, but only"), std::string::npos) << score->differences[0];
}

TEST(ShapesJudge, MaskedMetricsMatchClosedForms) {
  VideoFrames a(2, 16, 16, 8), b(2, 16, 16, 8), mask(2, 16, 16, 8);
  std::fill(a.pixels.begin(), a.pixels.end(), uint8_t{100});
  b = a;
  // Left half masked and wildly different; right half off by 10 everywhere.
  for (int t = 0; t < 2; ++t)
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 16; ++x)
        for (int c = 0; c < 3; ++c) {
          const std::size_t i = ((static_cast<std::size_t>(t) * 16 + y) * 16 + x) * 3 + c;
          if (x < 8) {
            mask.pixels[i] = 255;
            b.pixels[i] = static_cast<uint8_t>(7 * x + 13 * y);
          } else {
            b.pixels[i] = 110;
          }
        }
  EXPECT_NEAR(psnr_outside_mask(a, b, mask), 10 * std::log10(255.0 * 255.0 / 100.0), 1e-9);
  EXPECT_TRUE(std::isinf(psnr_outside_mask(a, a, mask)));
  EXPECT_DOUBLE_EQ(ssim_outside_mask(a, a, mask), 1.0);
  EXPECT_LT(ssim_outside_mask(a, b, mask), 1.0);
  std::fill(mask.pixels.begin(), mask.pixels.end(), uint8_t{255});
  EXPECT_TRUE(std::isnan(psnr_outside_mask(a, b, mask)));
  EXPECT_DOUBLE_EQ(mean_frame_change(a), 0.0);
  VideoFrames moving = a;
  std::fill(moving.pixels.begin() + static_cast<std::ptrdiff_t>(moving.frame_bytes()), moving.pixels.end(),
            uint8_t{104});
  EXPECT_DOUBLE_EQ(mean_frame_change(moving), 4.0);
}

TEST(ShapesJudge, ArtefactScoreRisesWithBlur) {
  Rng rng(7);
  SceneSamplerOptions options;
  const Scene scene = sample_scene(rng, options);
  const VideoFrames clean = render_scene(scene).video;
  VideoFrames blurred = clean;
  for (int t = 0; t < clean.frames; ++t)
    for (int y = 0; y < clean.height; ++y)
      for (int x = 1; x + 1 < clean.width; ++x)
        for (int c = 0; c < 3; ++c) {
          const uint8_t* f = clean.frame(t) + static_cast<std::size_t>(y) * clean.width * 3;
          blurred.frame(t)[(static_cast<std::size_t>(y) * clean.width + x) * 3 + c] =
              static_cast<uint8_t>((f[(x - 1) * 3 + c] + 2 * f[x * 3 + c] + f[(x + 1) * 3 + c] + 2) / 4);
        }
  const double clean_score = artefact_residual(clean, parse_scene(clean));
  const double blurred_score = artefact_residual(blurred, parse_scene(blurred));
  EXPECT_LT(clean_score, 1.0);
  EXPECT_GT(blurred_score, clean_score + 0.3);
}

}  // namespace
}  // namespace viva::shapes
