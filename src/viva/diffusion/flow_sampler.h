#pragma once
// Sampling the flow ODE from noise to data. A step function maps (x, v, σ, σ_next) to the next
// state; the deterministic Euler step lives here, and the stochastic Flow-SDE / CPS steps of
// Edit-GRPO (grpo.md §1) implement the same interface, returning the log-probability of the
// transition they sampled.
#include <torch/torch.h>

#include <functional>

#include "viva/diffusion/flow_schedule.h"

namespace viva {

struct StepResult {
  torch::Tensor x;         // the next state
  torch::Tensor log_prob;  // [B] log p(x_next | x) for stochastic steps; undefined for the ODE
};

class FlowStep {
 public:
  virtual ~FlowStep() = default;
  virtual StepResult step(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next) = 0;
};

// x' = x + (σ' − σ)·v, in float32.
class EulerStep : public FlowStep {
 public:
  StepResult step(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next) override;
};

// The model as the sampler sees it: (x, t = 1000·σ as [B]) -> velocity.
using VelocityFn = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t)>;

// Classifier-free guidance (viva.md §2): v = v_u + w·(v_c − v_u). At w = 1 the unconditional
// branch is never evaluated and the result is exactly the conditional prediction.
VelocityFn classifier_free_guidance(VelocityFn conditional, VelocityFn unconditional, double scale);

// Called after each step with (steps done, steps).
using StepCallback = std::function<void(int, int)>;

// Integrates from `noise` (σ = 1) along `schedule`. Returns the final state (σ = 0), float32.
torch::Tensor sample_flow(const torch::Tensor& noise, const FlowSchedule& schedule, const VelocityFn& velocity,
                          FlowStep& step, const StepCallback& on_step = {});

}  // namespace viva
