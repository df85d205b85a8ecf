#include "viva/diffusion/flow_schedule.h"

#include "viva/core/error.h"

namespace viva {

double shift_sigma(double sigma, double shift) { return shift * sigma / (1.0 + (shift - 1.0) * sigma); }

FlowSchedule FlowSchedule::shifted(int steps, double shift) {
  if (steps < 1) throw Error("flow schedule", "steps must be at least 1");
  if (!(shift > 0)) throw Error("flow schedule", "shift must be positive");
  FlowSchedule schedule;
  for (int i = 0; i <= steps; ++i) schedule.sigmas.push_back(shift_sigma(1.0 - static_cast<double>(i) / steps, shift));
  return schedule;
}

torch::Tensor sample_training_sigmas(int64_t count, double shift, c10::optional<torch::Generator> generator) {
  return sample_training_sigmas(count, shift, 0.0, shift, generator);
}

torch::Tensor sample_training_sigmas(int64_t count, double shift, double high_fraction, double high_shift,
                                     c10::optional<torch::Generator> generator) {
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  const auto s = torch::sigmoid(torch::randn({count}, generator, f32));
  auto shifts = torch::full({count}, shift, f32);
  // No second draw without a mixture, so a zero fraction leaves the generator where one shift does.
  if (high_fraction > 0)
    shifts = torch::where(torch::rand({count}, generator, f32) < high_fraction, torch::full({count}, high_shift, f32), shifts);
  return shifts * s / (1.0 + (shifts - 1.0) * s);
}

torch::Tensor noised_latent(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& sigma) {
  std::vector<int64_t> shape(x0.dim(), 1);
  shape[0] = x0.size(0);
  auto s = sigma.to(x0.options()).view(shape);
  return s * noise + (1 - s) * x0;
}

}  // namespace viva
