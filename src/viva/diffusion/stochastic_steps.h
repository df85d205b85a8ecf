#pragma once
// Stochastic flow steps for Edit-GRPO (grpo.md §1): each turns the ODE step into a Gaussian
// transition N(μ, s²I), samples from it and reports the log-probability, averaged over the
// latent elements of each sample (so policy ratios stay near 1 for large latents).
#include <torch/torch.h>

#include "viva/diffusion/flow_sampler.h"

namespace viva {

struct GaussianStep {
  torch::Tensor mean;  // μ, float32, shaped like x
  double std = 0.0;    // s (0: deterministic)
};

// log N(x_next; μ, s²) averaged over elements per sample -> [B]. Needs s > 0.
torch::Tensor gaussian_step_log_prob(const GaussianStep& g, const torch::Tensor& x_next);

class StochasticFlowStep : public FlowStep {
 public:
  explicit StochasticFlowStep(double eta, c10::optional<torch::Generator> generator = c10::nullopt)
      : eta_(eta), generator_(generator) {}
  virtual GaussianStep transition(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next) const = 0;
  // Samples x' ~ N(μ, s²) and returns its log-probability (undefined when s = 0).
  StepResult step(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next) override;
  // The log-probability of a given x' (the GRPO ratio re-evaluates old samples under new v).
  torch::Tensor log_prob(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next,
                         const torch::Tensor& x_next) const;
  double eta() const { return eta_; }

 protected:
  double eta_;
  c10::optional<torch::Generator> generator_;
};

// Flow-SDE (Flow-GRPO): σ_t = η·sqrt(σ/(1 − σ)) (at σ = 1 the next grid value stands in the
// denominator), μ = x − Δ·[v + σ_t²/(2σ)·(x + (1 − σ)v)], s = σ_t·sqrt(Δ), Δ = σ − σ'.
class FlowSdeStep : public StochasticFlowStep {
 public:
  using StochasticFlowStep::StochasticFlowStep;
  GaussianStep transition(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next) const override;
};

// Coefficients-preserving sampling: x̂0 = x − σv, x̂1 = x + (1 − σ)v,
// μ = (1 − σ')x̂0 + σ'cos(ηπ/2)x̂1, s = σ' sin(ηπ/2).
class CpsStep : public StochasticFlowStep {
 public:
  using StochasticFlowStep::StochasticFlowStep;
  GaussianStep transition(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next) const override;
};

}  // namespace viva
