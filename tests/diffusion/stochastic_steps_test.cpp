#include "viva/diffusion/stochastic_steps.h"

#include <gtest/gtest.h>

#include <cmath>

namespace viva {
namespace {

// log N(x; μ, s²) from the density itself, in double precision, element by element.
double direct_mean_log_density(const torch::Tensor& x, const torch::Tensor& mean, double s) {
  auto xd = x.to(torch::kFloat64).flatten(), md = mean.to(torch::kFloat64).flatten();
  double total = 0;
  for (int64_t i = 0; i < xd.size(0); ++i) {
    const double d = xd[i].item<double>() - md[i].item<double>();
    total += std::log(std::exp(-d * d / (2 * s * s)) / (s * std::sqrt(2 * M_PI)));
  }
  return total / static_cast<double>(xd.size(0));
}

TEST(StochasticSteps, LogProbabilityIsTheGaussianDensity) {
  torch::manual_seed(0);
  auto x = torch::randn({2, 3, 4}), v = torch::randn({2, 3, 4});
  auto generator = torch::make_generator<at::CPUGeneratorImpl>(5);
  FlowSdeStep sde(0.7, generator);
  CpsStep cps(0.7, generator);
  for (StochasticFlowStep* step : std::vector<StochasticFlowStep*>{&sde, &cps}) {
    for (auto [sigma, next] : std::vector<std::pair<double, double>>{{1.0, 0.9}, {0.6, 0.45}}) {
      const StepResult r = step->step(x, v, sigma, next);
      const GaussianStep g = step->transition(x, v, sigma, next);
      ASSERT_TRUE(r.log_prob.defined());
      ASSERT_EQ(r.log_prob.sizes(), (std::vector<int64_t>{2}));
      for (int b = 0; b < 2; ++b)
        EXPECT_NEAR(r.log_prob[b].item<double>(), direct_mean_log_density(r.x[b], g.mean[b], g.std), 1e-4);
      EXPECT_TRUE(torch::allclose(step->log_prob(x, v, sigma, next, r.x), r.log_prob));
    }
  }
}

TEST(StochasticSteps, EtaZeroIsTheOdeStep) {
  torch::manual_seed(1);
  auto x = torch::randn({1, 8}), v = torch::randn({1, 8});
  EulerStep euler;
  const auto ode = euler.step(x, v, 0.8, 0.5).x;
  EXPECT_TRUE(torch::allclose(FlowSdeStep(0.0).step(x, v, 0.8, 0.5).x, ode, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(CpsStep(0.0).step(x, v, 0.8, 0.5).x, ode, 1e-6, 1e-6));
  EXPECT_FALSE(FlowSdeStep(0.0).step(x, v, 0.8, 0.5).log_prob.defined());
  // CPS's last step (σ' = 0) is deterministic and lands on the predicted clean sample.
  EXPECT_TRUE(torch::allclose(CpsStep(1.0).step(x, v, 0.2, 0.0).x, x - 0.2 * v, 1e-6, 1e-6));
}

TEST(StochasticSteps, NoiseMatchesTheStatedStd) {
  auto x = torch::zeros({1, 200000}), v = torch::zeros({1, 200000});
  auto generator = torch::make_generator<at::CPUGeneratorImpl>(9);
  FlowSdeStep sde(1.0, generator);
  const auto r = sde.step(x, v, 0.5, 0.4);
  const double expected = 1.0 * std::sqrt(0.5 / 0.5) * std::sqrt(0.1);  // η·sqrt(σ/(1−σ))·sqrt(Δ)
  EXPECT_NEAR(r.x.std().item<double>(), expected, 0.01 * expected);
}

// viva's per-step generators are CPU ones; a CUDA sample draws from them and gets the same noise.
TEST(StochasticSteps, CudaSamplesDrawTheCpuGeneratorsNoise) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  auto x = torch::randn({2, 64}), v = torch::randn({2, 64});
  FlowSdeStep on_cpu(0.7, torch::make_generator<at::CPUGeneratorImpl>(3));
  FlowSdeStep on_cuda(0.7, torch::make_generator<at::CPUGeneratorImpl>(3));
  const auto a = on_cpu.step(x, v, 0.5, 0.4);
  const auto b = on_cuda.step(x.cuda(), v.cuda(), 0.5, 0.4);
  EXPECT_TRUE(b.x.is_cuda());
  EXPECT_TRUE(torch::allclose(a.x, b.x.cpu(), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(a.log_prob, b.log_prob.cpu(), 1e-5, 1e-6));
}

}  // namespace
}  // namespace viva
