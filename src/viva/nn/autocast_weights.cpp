#include "viva/nn/autocast_weights.h"

namespace viva {

void hold_autocast_weights_in(torch::nn::Module& model, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  for (const auto& module : model.modules()) {
    const bool computes_in_autocast_dtype =  // LinearImpl: AdaptableLinear's base too
        module->as<torch::nn::LinearImpl>() || module->as<torch::nn::Conv1dImpl>() ||
        module->as<torch::nn::Conv2dImpl>() || module->as<torch::nn::Conv3dImpl>();
    if (!computes_in_autocast_dtype) continue;
    for (auto& p : module->named_parameters(/*recurse=*/false))
      if (p.key() == "weight") p.value().set_data(p.value().to(dtype));
  }
}

}  // namespace viva
