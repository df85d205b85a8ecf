#include "viva/diffusion/stochastic_steps.h"

#include <cmath>

#include "viva/core/error.h"
#include "viva/nn/seeded_random.h"

namespace viva {

torch::Tensor gaussian_step_log_prob(const GaussianStep& g, const torch::Tensor& x_next) {
  if (!(g.std > 0)) throw Error("flow step", "a deterministic step has no log-probability");
  auto z = (x_next.to(torch::kFloat32) - g.mean) / g.std;
  auto per_element = -0.5 * z * z - std::log(g.std) - 0.5 * std::log(2 * M_PI);
  return per_element.flatten(1).mean(1);
}

StepResult StochasticFlowStep::step(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next) {
  const GaussianStep g = transition(x, v, sigma, sigma_next);
  if (g.std == 0.0) return {g.mean, {}};
  auto sample = g.mean + g.std * cpu_randn(g.mean.sizes(), generator_, g.mean.options());
  return {sample, gaussian_step_log_prob(g, sample)};
}

torch::Tensor StochasticFlowStep::log_prob(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next,
                                           const torch::Tensor& x_next) const {
  return gaussian_step_log_prob(transition(x, v, sigma, sigma_next), x_next);
}

GaussianStep FlowSdeStep::transition(const torch::Tensor& x_in, const torch::Tensor& v_in, double sigma,
                                     double sigma_next) const {
  auto x = x_in.to(torch::kFloat32), v = v_in.to(torch::kFloat32);
  const double delta = sigma - sigma_next;
  const double denominator_sigma = sigma >= 1.0 ? sigma_next : sigma;
  const double noise_level = eta_ * std::sqrt(sigma / (1.0 - denominator_sigma));
  const double k = noise_level * noise_level / (2.0 * sigma);
  return {x - delta * (v + k * (x + (1.0 - sigma) * v)), noise_level * std::sqrt(delta)};
}

GaussianStep CpsStep::transition(const torch::Tensor& x_in, const torch::Tensor& v_in, double sigma,
                                 double sigma_next) const {
  auto x = x_in.to(torch::kFloat32), v = v_in.to(torch::kFloat32);
  auto x0 = x - sigma * v, x1 = x + (1.0 - sigma) * v;
  const double angle = eta_ * M_PI / 2;
  return {(1.0 - sigma_next) * x0 + sigma_next * std::cos(angle) * x1, sigma_next * std::sin(angle)};
}

}  // namespace viva
