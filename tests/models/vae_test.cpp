#include <gtest/gtest.h>

#include "../support/golden.h"
#include "../support/memory.h"
#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "viva/models/vae/causal_vae.h"
#include "viva/models/vae/vae_checkpoint.h"
#include "viva/models/vae/vae_tiling.h"

namespace viva {
namespace {

using testing::expect_close;
using testing::expect_error_containing;
using testing::golden_config;
using testing::golden_path;
using testing::TempDir;

class VaeParity : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = golden_path("hunyuan_vae_tiny.safetensors");
    if (path_.empty()) VIVA_NEEDS_SHARED("golden fixture hunyuan_vae_tiny.safetensors");
    fixture_ = std::make_unique<Checkpoint>(path_);
    options_ = VaeOptions::from_json(golden_config(*fixture_), path_);
    testing::save_fixture_weights(*fixture_, dir_.file("vae.safetensors"));
  }
  CausalVae load(VaeOptions options) {
    CausalVae vae(options);
    load_vae(vae, Checkpoint(dir_.file("vae.safetensors")));
    vae->eval();
    return vae;
  }
  std::string path_;
  std::unique_ptr<Checkpoint> fixture_;
  VaeOptions options_;
  TempDir dir_;
};

TEST_F(VaeParity, EncoderPosteriorAndDecoderMatchTheTencentReference) {
  torch::NoGradGuard no_grad;
  CausalVae vae = load(options_);
  const auto video = fixture_->load("input.video");
  expect_close(vae->encode_moments_untiled(video), fixture_->load("output.moments"), "moments");
  const VaePosterior posterior = vae->encode_posterior(video);
  expect_close(posterior.mean, fixture_->load("output.mean"), "mean");
  expect_close(posterior.logvar, fixture_->load("output.logvar"), "logvar");
  expect_close(vae->decode_untiled(posterior.mean), fixture_->load("output.decoded"), "decoded");
  // The public API applies the scaling factor on the way in and out.
  expect_close(vae->encode(video), fixture_->load("output.mean") * options_.scaling_factor, "scaled latent");
  expect_close(vae->decode(vae->encode(video)), fixture_->load("output.decoded"), "decode(encode(video))");
}

TEST_F(VaeParity, ImagesAreOneFrameVideosAndBadShapesAreRejected) {
  torch::NoGradGuard no_grad;
  CausalVae vae = load(options_);
  // Every size below comes from the fixture's config, so a fixture of another shape fits.
  const int64_t s = options_.spatial_compression, t = options_.time_compression, c = options_.latent_channels;
  auto image = torch::rand({1, 3, 1, 2 * s, 2 * s}) * 2 - 1;
  auto latent = vae->encode(image);
  EXPECT_EQ(latent.sizes(), (std::vector<int64_t>{1, c, 1, 2, 2}));
  EXPECT_EQ(vae->decode(latent).sizes(), image.sizes());
  // The convolutions are causal: changing later frames leaves earlier outputs untouched. (The
  // whole VAE is not: GroupNorm statistics span all frames.)
  CausalConv3d conv(3, 5, 3);
  auto video = fixture_->load("input.video");
  const int64_t frames = video.size(2), first_changed = frames / 2;
  ASSERT_GE(first_changed, 1) << "the fixture's video needs two frames or more";
  auto changed = video.clone();
  changed.narrow(2, first_changed, frames - first_changed).uniform_(-1, 1);
  EXPECT_TRUE(torch::equal(conv(video).narrow(2, 0, first_changed), conv(changed).narrow(2, 0, first_changed)));
  EXPECT_FALSE(torch::equal(conv(video).narrow(2, first_changed, 1), conv(changed).narrow(2, first_changed, 1)));
  expect_error_containing([&] { vae->encode(torch::zeros({1, 3, 2 * t, s, s})); },
                          {std::to_string(2 * t) + " frames is not 1 + " + std::to_string(t) + "k"});
  expect_error_containing([&] { vae->encode(torch::zeros({1, 3, 1 + t, s + 2, s})); },
                          {"multiples of " + std::to_string(s)});
  expect_error_containing([&] { vae->decode(torch::zeros({1, c + 1, 2, 2, 2})); },
                          {"expected latent [B, " + std::to_string(c)});
}

// Training and evaluation pass batches (oneDNN runs them several times faster on a CPU): every
// clip of a batch must come out as it would alone (GroupNorm is per sample).
TEST_F(VaeParity, ABatchEncodesAndDecodesLikeItsClipsAlone) {
  torch::NoGradGuard no_grad;
  CausalVae vae = load(options_);
  const auto a = fixture_->load("input.video");
  const auto b = torch::rand_like(a) * 2 - 1;
  const auto batch = vae->encode(torch::cat({a, b}));
  expect_close(batch.narrow(0, 0, 1), vae->encode(a), "encode a");
  expect_close(batch.narrow(0, 1, 1), vae->encode(b), "encode b");
  const auto decoded = vae->decode(batch);
  expect_close(decoded.narrow(0, 1, 1), vae->decode(batch.narrow(0, 1, 1)), "decode b");
}

// With local functions the tiler must reproduce the untiled result exactly: overlaps carry equal
// values, so the blends change nothing, and every output position is covered once.
// The upsampler interpolates in the input's dtype: in bf16 it gives, bit for bit, what going
// through float32 (as the reference does) gives. (Its conv is not run: libtorch 1.13's CPU
// replicate padding takes no bf16.)
TEST(VaeUpsample, NearestInBf16IsExact) {
  const VaeUpsample up(4, std::array<int64_t, 3>{2, 2, 2});
  torch::manual_seed(2);
  const torch::Tensor x = torch::randn({1, 4, 3, 5, 6}).to(torch::kBFloat16);
  namespace F = torch::nn::functional;
  const auto nearest = [](const torch::Tensor& t, std::vector<double> scale) {
    return F::interpolate(t, F::InterpolateFuncOptions().scale_factor(scale).mode(torch::kNearest));
  };
  const torch::Tensor x32 = x.to(torch::kFloat32);
  const torch::Tensor staged =
      torch::cat({nearest(x32.select(2, 0), {2, 2}).unsqueeze(2), nearest(x32.narrow(2, 1, 2), {2, 2, 2})}, 2);
  const torch::Tensor out = up->upsampled(x);
  EXPECT_EQ(out.scalar_type(), torch::kBFloat16);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{1, 4, 5, 10, 12}));
  EXPECT_TRUE(torch::equal(out, staged.to(torch::kBFloat16)));
}

TEST(VaeTiling, TilerIsExactForLocalFunctions) {
  torch::manual_seed(0);
  auto x = torch::randn({1, 2, 7, 11, 13});
  auto upsample = [](const torch::Tensor& t) { return t.repeat_interleave(4, 3).repeat_interleave(4, 4); };
  EXPECT_TRUE(torch::allclose(tile_spatial(x, upsample, 4, 3, 4, 12), upsample(x), 0, 1e-6));
  // The causal VAE's time pattern: latent frame 0 alone, then 4 frames per latent frame.
  auto frames = [](const torch::Tensor& t) {
    return torch::cat({t.narrow(2, 0, 1), t.narrow(2, 1, t.size(2) - 1).repeat_interleave(4, 2)}, 2);
  };
  EXPECT_TRUE(torch::allclose(tile_temporal(x, frames, 3, 1, 4, 4), frames(x), 0, 1e-6));
  auto both = [&](const torch::Tensor& t) { return tile_spatial(t, upsample, 4, 2, 8, 8); };
  EXPECT_TRUE(torch::allclose(tile_temporal(x, [&](const torch::Tensor& t) { return frames(both(t)); }, 4, 2, 4, 8),
                              frames(upsample(x)), 0, 1e-6));
}

TEST_F(VaeParity, TiledDecodeAgreesAwayFromSeamsAndUsesLessMemory) {
  torch::NoGradGuard no_grad;
  VaeOptions tiled_options = options_;
  tiled_options.tile_latent_size = 8;
  tiled_options.tile_latent_stride = 6;
  tiled_options.tile_latent_frames = 4;
  tiled_options.tile_latent_frame_stride = 2;
  CausalVae vae = load(tiled_options);
  torch::manual_seed(3);
  // A smooth latent, as real latents of natural video are.
  auto z = torch::nn::functional::interpolate(
      torch::randn({1, 4, 3, 4, 4}),
      torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{5, 32, 32}).mode(torch::kTrilinear).align_corners(true));
  torch::Tensor untiled, tiled;
  vae->tiling = false;
  const auto untiled_growth = testing::peak_rss_growth_kib([&] { untiled = vae->decode(z); });
  vae->tiling = true;
  const auto tiled_growth = testing::peak_rss_growth_kib([&] { tiled = vae->decode(z); });
  if (!untiled_growth || !tiled_growth) GTEST_SKIP() << "this kernel did not reset the peak RSS (/proc/self/clear_refs)";
  const int64_t untiled_kib = *untiled_growth, tiled_kib = *tiled_growth;
  ASSERT_EQ(tiled.sizes(), untiled.sizes());
  RecordProperty("peak_rss_untiled_kib", std::to_string(untiled_kib));
  RecordProperty("peak_rss_tiled_kib", std::to_string(tiled_kib));
  EXPECT_LT(tiled_kib, untiled_kib);
  // Away from seams (the first tile's interior, before any blend) the tiles see the same
  // context up to GroupNorm statistics and attention span, which are tile-local.
  auto interior = [](const torch::Tensor& v) { return v.narrow(2, 0, 8).narrow(3, 2, 20).narrow(4, 2, 20); };
  const double mse = (interior(tiled) - interior(untiled)).pow(2).mean().item<double>();
  const double range = untiled.max().item<double>() - untiled.min().item<double>();
  const double psnr = 10 * std::log10(range * range / mse);
  RecordProperty("interior_psnr_db", std::to_string(psnr));
  std::printf("tiled vs untiled interior PSNR %.1f dB, peak RSS %lld -> %lld KiB\n", psnr,
              static_cast<long long>(untiled_kib), static_cast<long long>(tiled_kib));
  EXPECT_GT(psnr, 20.0);
}

}  // namespace
}  // namespace viva
