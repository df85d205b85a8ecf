#include "viva/diffusion/known_frames_step.h"

#include "viva/core/error.h"

namespace viva {

KnownFramesStep::KnownFramesStep(FlowStep& inner, torch::Tensor known, torch::Tensor noise) : inner_(inner) {
  if (known.dim() != 5 || noise.dim() != 5 || known.size(2) > noise.size(2))
    throw Error("sampling with known frames", "the known frames must be [B, C, K, H, W] with K at most the noise's frames");
  known_ = known.to(noise.device(), torch::kFloat32);
  noise_ = noise.narrow(2, 0, known.size(2)).to(torch::kFloat32);
}

StepResult KnownFramesStep::step(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next) {
  StepResult r = inner_.step(x, v, sigma, sigma_next);
  const int64_t k = known_.size(2);
  r.x.narrow(2, 0, k).copy_(known_ * (1.0 - sigma_next) + noise_ * sigma_next);
  return r;
}

}  // namespace viva
