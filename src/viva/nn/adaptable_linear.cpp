#include "viva/nn/adaptable_linear.h"

#include "viva/core/error.h"

namespace viva {

torch::Tensor AdaptableLinearImpl::forward(const torch::Tensor& x) {
  // ATen's linear folds the bias into the matrix product for 3-d inputs (the C++ frontend's
  // LinearImpl::forward multiplies, then adds the bias in a second pass).
  torch::Tensor y = torch::linear(x, weight, bias);
  if (!a_.defined()) return y;
  // Rank r ≪ in, out: two thin matmuls, never the [out, in] product B·A.
  return y + torch::nn::functional::linear(torch::nn::functional::linear(x, a_), b_) * scale_;
}

void AdaptableLinearImpl::set_branch(torch::Tensor a, torch::Tensor b, double scale) {
  if (scale == 0 || !a.defined()) {
    a_ = b_ = torch::Tensor();
    scale_ = 0;
    return;
  }
  // The layer's options, not its weight: a sharded layer's weight is empty between its runs.
  const int64_t in = options.in_features(), out = options.out_features();
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != in || b.size(0) != out || a.size(0) != b.size(1))
    throw Error("low-rank branch", "shapes " + c10::str(a.sizes()) + " and " + c10::str(b.sizes()) +
                                       " do not fit a Linear from " + std::to_string(in) + " to " + std::to_string(out));
  a_ = std::move(a);
  b_ = std::move(b);
  scale_ = scale;
}

}  // namespace viva
