#pragma once
// A Linear layer that can carry a low-rank branch beside its frozen weight:
//   y = x·Wᵀ + b + s·(x·Aᵀ)·Bᵀ
// so that training a LoRA never materialises W + s·B·A (at 13B that sum is ~24 GB in fp32, kept
// alive by the graph). It is a torch::nn::LinearImpl in every other respect (parameter names,
// checkpoints, as<LinearImpl>()), so models use it wherever a LoRA may attach.
#include <torch/torch.h>

namespace viva {

class AdaptableLinearImpl : public torch::nn::LinearImpl {
 public:
  using torch::nn::LinearImpl::LinearImpl;

  // Hides LinearImpl::forward: the holder below calls this one.
  torch::Tensor forward(const torch::Tensor& x);

  // a: [r, in], b: [out, r]; the branch adds scale·(x·aᵀ)·bᵀ. The tensors are held, not copied:
  // an optimizer updating them in place updates the branch. scale 0 or clear_branch() removes it.
  void set_branch(torch::Tensor a, torch::Tensor b, double scale);
  void clear_branch() { set_branch({}, {}, 0.0); }
  bool has_branch() const { return a_.defined(); }

 private:
  torch::Tensor a_, b_;
  double scale_ = 0;
};
TORCH_MODULE(AdaptableLinear);

}  // namespace viva
