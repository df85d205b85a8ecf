#include "viva/train/grpo_objective.h"

namespace viva {

torch::Tensor group_advantages(const torch::Tensor& rewards, double clip) {
  const auto r = rewards.to(torch::kFloat32);
  auto a = (r - r.mean()) / (r.std(/*unbiased=*/false) + 1e-4);
  return clip > 0 ? a.clamp(-clip, clip) : a;
}

GrpoLoss grpo_step_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                        const torch::Tensor& advantages, const torch::Tensor& mean, const torch::Tensor& ref_mean,
                        double std, double clip_range, double kl_weight) {
  GrpoLoss out;
  out.ratio = torch::exp(log_prob - old_log_prob);
  const auto unclipped = out.ratio * advantages;
  const auto clipped = out.ratio.clamp(1.0 - clip_range, 1.0 + clip_range) * advantages;
  out.policy_loss = -torch::min(unclipped, clipped).mean();
  // KL between Gaussians of equal std s: ||μ_θ − μ_ref||² / (2 s²), per element like the log-probabilities.
  out.kl = ((mean - ref_mean).pow(2).flatten(1).mean(1) / (2.0 * std * std)).mean();
  out.loss = out.policy_loss + kl_weight * out.kl;
  out.clip_fraction = ((out.ratio - 1.0).abs() > clip_range).to(torch::kFloat32).mean().item<double>();
  return out;
}

}  // namespace viva
