#pragma once
// Sampling with the first latent frames known: after every step those frames are set to where
// the flow puts the known latent at the new noise level, (1 − σ')·known + σ'·noise, so the
// model generates the rest in agreement with them and the result ends exactly on them. A long
// video's windows use it to continue from the edited frames they share with the window before
// (temporal inpainting, as RePaint does in space).
#include <torch/torch.h>

#include "viva/diffusion/flow_sampler.h"

namespace viva {

class KnownFramesStep : public FlowStep {
 public:
  // `known` [B, C, K, H, W] and `noise` [B, C, T, H, W] (the noise sampling starts from, K <= T);
  // `inner` takes the steps.
  KnownFramesStep(FlowStep& inner, torch::Tensor known, torch::Tensor noise);
  StepResult step(const torch::Tensor& x, const torch::Tensor& v, double sigma, double sigma_next) override;

 private:
  FlowStep& inner_;
  torch::Tensor known_, noise_;  // noise_ holds the first K frames only
};

}  // namespace viva
