#include "viva/nn/activation_checkpoint.h"

#include <ATen/autocast_mode.h>
#include <ATen/core/ivalue.h>

#include <algorithm>

#include "viva/core/compat.h"

namespace viva {
namespace {

// Autocast's state on one device type, to run the recomputation as the forward ran.
struct AutocastState {
  torch::DeviceType device;
  bool enabled;
  torch::ScalarType dtype;
  explicit AutocastState(torch::DeviceType d)
      : device(d), enabled(compat::autocast_enabled(d)), dtype(compat::autocast_dtype(d)) {}
  compat::AutocastGuard restore() const { return compat::AutocastGuard(device, dtype, enabled); }
};

// RAII: autocast's cache of casts off for a scope.
struct AutocastCacheOff {
  bool previous = at::autocast::is_autocast_cache_enabled();
  AutocastCacheOff() { at::autocast::set_autocast_cache_enabled(false); }
  ~AutocastCacheOff() { at::autocast::set_autocast_cache_enabled(previous); }
  AutocastCacheOff(const AutocastCacheOff&) = delete;
  AutocastCacheOff& operator=(const AutocastCacheOff&) = delete;
};

struct BodyHolder : torch::CustomClassHolder {
  BodyHolder(CheckpointedBody b, std::function<void()> after) : body(std::move(b)), after_backward(std::move(after)) {}
  CheckpointedBody body;
  std::function<void()> after_backward;
  AutocastState cpu_autocast{torch::kCPU}, cuda_autocast{torch::kCUDA};
};

struct CheckpointFunction : torch::autograd::Function<CheckpointFunction> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                c10::intrusive_ptr<BodyHolder> holder, at::TensorList inputs) {
    ctx->saved_data["body"] = c10::IValue::make_capsule(holder);
    const std::vector<torch::Tensor> list = inputs.vec();
    ctx->save_for_backward(list);
    torch::NoGradGuard no_grad;
    // Autocast caches its casts of trainable leaves (the weights) for the rest of its region:
    // casts made here, without gradient, would hold a bf16 copy of every block's weights until
    // the region ends, and a recomputation inside the region would reuse them, leaving those
    // weights without gradient.
    const AutocastCacheOff uncached;
    return holder->body(list);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto holder = c10::static_intrusive_pointer_cast<BodyHolder>(ctx->saved_data["body"].toCapsule());
    const auto saved = ctx->get_saved_variables();
    std::vector<torch::Tensor> inputs;
    for (const auto& t : saved) inputs.push_back(t.detach().requires_grad_(t.requires_grad()));
    std::vector<torch::Tensor> outputs;
    {
      torch::AutoGradMode grad_mode(true);
      const compat::AutocastGuard cpu = holder->cpu_autocast.restore();
      const compat::AutocastGuard cuda = holder->cuda_autocast.restore();
      outputs = holder->body(inputs);
    }
    std::vector<torch::Tensor> with_grad, grads;
    for (std::size_t i = 0; i < outputs.size(); ++i)
      if (outputs[i].requires_grad() && grad_outputs[i].defined()) {
        with_grad.push_back(outputs[i]);
        grads.push_back(grad_outputs[i]);
      }
    if (!with_grad.empty()) torch::autograd::backward(with_grad, grads);
    if (holder->after_backward) holder->after_backward();
    torch::autograd::variable_list result{torch::Tensor()};  // for the body argument
    for (const auto& t : inputs) result.push_back(t.requires_grad() ? t.grad() : torch::Tensor());
    return result;
  }
};

}  // namespace

std::vector<torch::Tensor> checkpointed(const CheckpointedBody& body, const std::vector<torch::Tensor>& inputs,
                                        std::function<void()> after_backward) {
  if (!torch::GradMode::is_enabled()) return body(inputs);
  // Autograd takes only defined tensors as inputs: pass those, and put the undefined ones back
  // in their places for the body.
  std::vector<bool> present;
  std::vector<torch::Tensor> defined;
  for (const auto& t : inputs) {
    present.push_back(t.defined());
    if (t.defined()) defined.push_back(t);
  }
  const CheckpointedBody with_gaps = [body, present](const std::vector<torch::Tensor>& given) {
    std::vector<torch::Tensor> full;
    std::size_t k = 0;
    for (bool p : present) full.push_back(p ? given[k++] : torch::Tensor());
    return body(full);
  };
  // With no input needing a gradient (a frozen model's inputs while a LoRA inside trains) the
  // node would stay out of the graph: a dummy input that wants one keeps it in.
  if (std::none_of(defined.begin(), defined.end(), [](const torch::Tensor& t) { return t.requires_grad(); }))
    defined.push_back(torch::zeros({}, torch::requires_grad()));
  // A TensorList argument makes autograd count each tensor as an input (a std::vector would be
  // taken as one opaque argument and no gradient would reach the inputs).
  return CheckpointFunction::apply(c10::make_intrusive<BodyHolder>(with_gaps, std::move(after_backward)),
                                   at::TensorList(defined));
}

}  // namespace viva
