#pragma once
// The Edit-GRPO objective (grpo.md §2, paper Eq. 11–13) as pure functions of tensors, so the
// trainer and the tests share one computation.
#include <torch/torch.h>

namespace viva {

// A_i = (R_i − mean R) / (std R + 1e-4) over one group (population std), clipped to ±clip when
// clip > 0. rewards: [G] -> [G].
torch::Tensor group_advantages(const torch::Tensor& rewards, double clip);

struct GrpoLoss {
  torch::Tensor loss;         // L_policy + β·L_KL (scalar, differentiable)
  torch::Tensor policy_loss;  // −mean_i min(r·A, clip(r, 1 − ε, 1 + ε)·A)
  torch::Tensor kl;           // mean_i ||μ_θ − μ_ref||² / (2 s²), averaged over latent elements
  torch::Tensor ratio;        // r_i = exp(log π_θ − log π_old), [G]
  double clip_fraction = 0;   // share of samples whose ratio left [1 − ε, 1 + ε]
};

// One timestep of a group: log_prob / old_log_prob [G] (log-probabilities averaged over latent
// elements, as gaussian_step_log_prob gives them), advantages [G], the transition means under
// the current and the reference policy [G, ...] with their common std.
GrpoLoss grpo_step_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                        const torch::Tensor& advantages, const torch::Tensor& mean, const torch::Tensor& ref_mean,
                        double std, double clip_range, double kl_weight);

}  // namespace viva
