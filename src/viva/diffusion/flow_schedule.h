#pragma once
// The rectified-flow noise schedule of the backbone (hunyuanvideo.md §5, viva.md §2): σ runs
// from 1 (noise) to 0 (data), x_σ = σ·noise + (1 − σ)·x0, the model sees t = 1000·σ and
// predicts v ≈ noise − x0.
#include <torch/torch.h>

#include <vector>

namespace viva {

// σ' = s·σ / (1 + (s − 1)·σ): spends more steps at high noise when s > 1.
double shift_sigma(double sigma, double shift);

struct FlowSchedule {
  std::vector<double> sigmas;  // steps + 1 values, sigmas[0] = 1 ... sigmas[steps] = 0

  // linspace(1, 0, steps + 1), each shifted; 50 steps and shift 7 reproduce HunyuanVideo's.
  static FlowSchedule shifted(int steps, double shift);
  int steps() const { return static_cast<int>(sigmas.size()) - 1; }
  double timestep(int i) const { return 1000.0 * sigmas[static_cast<std::size_t>(i)]; }
};

// Training noise levels: σ = shift(sigmoid(n)), n ~ N(0, 1) (viva.md §2). -> [count] float32
torch::Tensor sample_training_sigmas(int64_t count, double shift, c10::optional<torch::Generator> generator = c10::nullopt);

// A mixture of two shifts: each σ uses `high_shift` with probability `high_fraction`, `shift`
// otherwise. An editor decides what to change at σ ≈ 1, where sampling starts, and a single
// shift that puts enough samples there starves the low noise levels. A zero fraction draws
// exactly what the single-shift overload draws.
torch::Tensor sample_training_sigmas(int64_t count, double shift, double high_fraction, double high_shift,
                                     c10::optional<torch::Generator> generator = c10::nullopt);

// x_σ = σ·noise + (1 − σ)·x0 with σ broadcast over a batch: sigma [B], x0/noise [B, ...].
torch::Tensor noised_latent(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& sigma);

}  // namespace viva
