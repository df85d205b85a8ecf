#include "viva/diffusion/stochastic_steps.h"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

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

// Any (x, v) at σ is x = (1 − σ)·x̂0 + σ·x̂1 with x̂0 = x − σv and x̂1 = x + (1 − σ)v (the flow's
// clean and noise estimates). In those terms, independently of the implementations' algebra:
//   Flow-SDE: score = −x̂1/σ, so μ = x + (σ' − σ)(v − σ_t²/2 · score) = (1 − σ')x̂0 + (σ' − kΔ)x̂1,
//             k = σ_t²/(2σ), σ_t² = η²σ/(1 − σ) (at σ = 1: η²σ/(1 − σ')), s² = σ_t²Δ; and the
//             noise it keeps plus the noise it adds is σ'² to first order in Δ (marginals preserved).
//   CPS:      μ = (1 − σ')x̂0 + σ'cos(ηπ/2)x̂1, s = σ' sin(ηπ/2); (σ'cos)² + s² = σ'² exactly.
// A sign error in the SDE correction or in CPS's cos/sin terms fails these.
TEST(StochasticSteps, MeansAndStdsMatchTheClosedFormsInCleanAndNoiseEstimates) {
  torch::manual_seed(4);
  const auto x = torch::randn({2, 3, 5}, torch::kFloat64), v = torch::randn({2, 3, 5}, torch::kFloat64);
  for (const double eta : {0.3, 0.7, 1.0}) {
    for (const auto& [sigma, next] : std::vector<std::pair<double, double>>{
             {1.0, 0.96}, {0.999, 0.998}, {0.97, 0.9}, {0.6, 0.45}, {0.2, 0.1}}) {
      const auto x0 = x - sigma * v, x1 = x + (1 - sigma) * v;
      const double delta = sigma - next;
      const double sigma_t2 = eta * eta * sigma / (1 - (sigma >= 1 ? next : sigma));
      const double k = sigma_t2 / (2 * sigma);
      const GaussianStep sde = FlowSdeStep(eta).transition(x, v, sigma, next);
      const auto sde_mean = (1 - next) * x0 + (next - k * delta) * x1;
      const double scale = sde_mean.abs().max().item<double>();
      EXPECT_TRUE(torch::allclose(sde.mean.to(torch::kFloat64), sde_mean, 1e-5, 1e-5 * scale))
          << "Flow-SDE eta " << eta << " sigma " << sigma;
      EXPECT_NEAR(sde.std * sde.std, sigma_t2 * delta, 1e-6 * sigma_t2 * delta);
      if (sigma < 1) {  // kept + added noise = σ'² + (2k + k²)Δ²: second order in Δ
        const double budget = std::pow(next - k * delta, 2) + sde.std * sde.std;
        EXPECT_NEAR(budget - next * next, (2 * k + k * k) * delta * delta, 1e-6 * (1 + k * k * delta * delta))
            << "eta " << eta << " sigma " << sigma;
      }

      const GaussianStep cps = CpsStep(eta).transition(x, v, sigma, next);
      const double angle = eta * M_PI / 2;
      const auto cps_mean = (1 - next) * x0 + next * std::cos(angle) * x1;
      EXPECT_TRUE(torch::allclose(cps.mean.to(torch::kFloat64), cps_mean, 1e-5, 1e-5))
          << "CPS eta " << eta << " sigma " << sigma;
      EXPECT_NEAR(cps.std, next * std::sin(angle), 1e-12);
      EXPECT_NEAR(std::pow(next * std::cos(angle), 2) + cps.std * cps.std, next * next, 1e-12);
    }
  }
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
