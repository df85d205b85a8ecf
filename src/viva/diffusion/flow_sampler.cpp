#include "viva/diffusion/flow_sampler.h"

namespace viva {

StepResult EulerStep::step(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next) {
  return {x.to(torch::kFloat32) + (sigma_next - sigma) * v.to(torch::kFloat32), {}};
}

VelocityFn classifier_free_guidance(VelocityFn conditional, VelocityFn unconditional, double scale) {
  if (scale == 1.0) return conditional;
  return [conditional = std::move(conditional), unconditional = std::move(unconditional), scale](
             const torch::Tensor& x, const torch::Tensor& t) {
    auto vu = unconditional(x, t);
    return vu + scale * (conditional(x, t) - vu);
  };
}

torch::Tensor sample_flow(const torch::Tensor& noise, const FlowSchedule& schedule, const VelocityFn& velocity,
                          FlowStep& step, const StepCallback& on_step) {
  auto x = noise.to(torch::kFloat32);
  const int steps = schedule.steps();
  for (int i = 0; i < steps; ++i) {
    auto t = torch::full({x.size(0)}, schedule.timestep(i), x.options());
    x = step.step(x, velocity(x, t), schedule.sigmas[i], schedule.sigmas[i + 1]).x;
    if (on_step) on_step(i + 1, steps);
  }
  return x;
}

}  // namespace viva
