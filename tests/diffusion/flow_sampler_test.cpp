#include "viva/diffusion/flow_sampler.h"

#include <gtest/gtest.h>

#include "viva/core/error.h"
#include "viva/diffusion/known_frames_step.h"

namespace viva {
namespace {

TEST(FlowSchedule, ReproducesHunyuanVideoTimesteps) {
  // hunyuanvideo.md §5: shift 7, 50 steps -> t = 1000, 997.09, 994.08, ..., 308.82, 225.81, 125.0.
  const FlowSchedule s = FlowSchedule::shifted(50, 7.0);
  ASSERT_EQ(s.steps(), 50);
  EXPECT_DOUBLE_EQ(s.timestep(0), 1000.0);
  EXPECT_NEAR(s.timestep(1), 997.09, 5e-3);
  EXPECT_NEAR(s.timestep(2), 994.08, 5e-3);
  EXPECT_NEAR(s.timestep(47), 308.82, 5e-3);
  EXPECT_NEAR(s.timestep(48), 225.81, 5e-3);
  EXPECT_NEAR(s.timestep(49), 125.0, 1e-9);
  EXPECT_DOUBLE_EQ(s.sigmas.back(), 0.0);
  EXPECT_THROW(FlowSchedule::shifted(0, 7.0), std::exception);
}

TEST(FlowSampler, EulerFollowsAStraightPathExactly) {
  // For data x0 and noise e the straight path has constant velocity e - x0, so Euler with any
  // schedule lands on x0.
  torch::manual_seed(0);
  auto x0 = torch::randn({2, 4, 3, 5});
  auto noise = torch::randn({2, 4, 3, 5});
  VelocityFn oracle = [&](const torch::Tensor&, const torch::Tensor&) { return noise - x0; };
  EulerStep euler;
  int calls = 0;
  auto out = sample_flow(noise, FlowSchedule::shifted(7, 3.0), oracle, euler, [&](int i, int n) {
    EXPECT_EQ(n, 7);
    calls = i;
  });
  EXPECT_EQ(calls, 7);
  EXPECT_TRUE(torch::allclose(out, x0, 1e-5, 1e-5));
  // Any intermediate state is x_σ: check one step from σ = 1.
  auto one = euler.step(noise, noise - x0, 1.0, 0.25).x;
  EXPECT_TRUE(torch::allclose(one, noised_latent(x0, noise, torch::full({2}, 0.25)), 1e-6, 1e-6));
}

TEST(FlowSampler, GuidanceOneIsTheConditionalPredictionExactly) {
  torch::manual_seed(1);
  auto a = torch::randn({1, 3}), b = torch::randn({1, 3});
  int unconditional_calls = 0;
  VelocityFn cond = [&](const torch::Tensor& x, const torch::Tensor&) { return x * 0.3 + a; };
  VelocityFn uncond = [&](const torch::Tensor& x, const torch::Tensor&) {
    ++unconditional_calls;
    return x * 0.1 + b;
  };
  auto x = torch::randn({1, 3});
  auto t = torch::full({1}, 500.0);
  EXPECT_TRUE(torch::equal(classifier_free_guidance(cond, uncond, 1.0)(x, t), cond(x, t)));
  EXPECT_EQ(unconditional_calls, 0);
  auto guided = classifier_free_guidance(cond, uncond, 2.0)(x, t);
  EXPECT_TRUE(torch::allclose(guided, 2 * cond(x, t) - uncond(x, t), 1e-6, 1e-6));
}

TEST(FlowSchedule, TrainingSigmasAreSeededAndInRange) {
  auto g1 = torch::make_generator<at::CPUGeneratorImpl>(7), g2 = torch::make_generator<at::CPUGeneratorImpl>(7);
  auto a = sample_training_sigmas(20000, 1.0, g1), b = sample_training_sigmas(20000, 1.0, g2);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_GT(a.min().item<float>(), 0.0f);
  EXPECT_LT(a.max().item<float>(), 1.0f);
  EXPECT_NEAR(a.mean().item<float>(), 0.5, 0.01);  // sigmoid of a symmetric normal
  EXPECT_GT(sample_training_sigmas(20000, 3.0, g1).mean().item<float>(), 0.6f);  // shift moves mass to noise
}

TEST(FlowSchedule, TrainingSigmaMixtureMovesAShareOfSamplesToHighNoise) {
  auto generator = [](uint64_t seed) { return torch::make_generator<at::CPUGeneratorImpl>(seed); };
  // One shift is σ = shift·s / (1 + (shift − 1)·s) of s = sigmoid(n), to the bit; a zero fraction draws
  // what one shift draws; a full one is the high shift alone (same normals).
  const auto s = torch::sigmoid(torch::randn({1000}, generator(3), torch::TensorOptions().dtype(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(sample_training_sigmas(1000, 3.0, generator(3)), 3.0 * s / (1.0 + 2.0 * s)));
  EXPECT_TRUE(torch::equal(sample_training_sigmas(1000, 3.0, 0.0, 20.0, generator(3)),
                           sample_training_sigmas(1000, 3.0, generator(3))));
  EXPECT_TRUE(torch::allclose(sample_training_sigmas(1000, 3.0, 1.0, 20.0, generator(4)),
                              sample_training_sigmas(1000, 20.0, generator(4))));
  // P(σ ≥ 0.95): shift 3 alone 3.2%; shift 20 alone 52%; a 30% mixture 0.3·0.52 + 0.7·0.032 = 17.9%.
  auto share_high = [](const torch::Tensor& sigma) { return (sigma >= 0.95).to(torch::kFloat32).mean().item<float>(); };
  EXPECT_NEAR(share_high(sample_training_sigmas(40000, 3.0, generator(5))), 0.032, 0.005);
  EXPECT_NEAR(share_high(sample_training_sigmas(40000, 3.0, 0.3, 20.0, generator(5))), 0.179, 0.01);
}

// The known frames sit on the flow's path from their noise to themselves after every step and
// end exactly on themselves; the other frames are sampled as without them, but see them.
TEST(KnownFramesStep, KeepsTheKnownFramesOnTheirPath) {
  torch::manual_seed(0);
  const auto noise = torch::randn({1, 2, 4, 3, 3});
  const auto known = torch::randn({1, 2, 2, 3, 3});
  const auto schedule = FlowSchedule::shifted(6, 3.0);
  // A velocity that mixes the frames, so the unknown frames depend on the known ones.
  const VelocityFn velocity = [](const torch::Tensor& x, const torch::Tensor&) {
    return x - x.mean(2, true);
  };
  EulerStep euler;
  KnownFramesStep keep(euler, known, noise);
  int step = 0;
  torch::Tensor x = noise.clone();
  for (int i = 0; i < schedule.steps(); ++i) {
    x = keep.step(x, velocity(x, torch::full({1}, schedule.timestep(i))), schedule.sigmas[i], schedule.sigmas[i + 1]).x;
    const double s = schedule.sigmas[i + 1];
    EXPECT_TRUE(torch::allclose(x.narrow(2, 0, 2), known * (1 - s) + noise.narrow(2, 0, 2) * s, 1e-6, 1e-6)) << ++step;
  }
  const auto sampled = sample_flow(noise, schedule, velocity, keep);
  EXPECT_TRUE(torch::equal(sampled.narrow(2, 0, 2), known));
  const auto free = sample_flow(noise, schedule, velocity, euler);
  EXPECT_FALSE(torch::allclose(sampled.narrow(2, 2, 2), free.narrow(2, 2, 2)));
  EXPECT_THROW(KnownFramesStep(euler, torch::randn({1, 2, 5, 3, 3}), noise), Error);
}

}  // namespace
}  // namespace viva
