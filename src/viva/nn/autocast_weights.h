#pragma once
// Frozen weights held in the autocast dtype. Under autocast, linear layers and convolutions
// multiply in that dtype whatever their weights are held in (autocast casts the weight on each
// call), so a frozen model whose such weights are held in it computes the same values for
// half the bytes: the 13B DiT frozen under Edit-GRPO's LoRA takes 26 GB in bf16, not 51 GB.
// Biases and norm weights, the one-dimensional parameters, stay as they are: autocast runs norms
// in float32, and the C++ frontend's Linear adds its bias to a 3-d product in a second pass, in
// the bias's dtype (in bf16 the sum would be rounded twice).
#include <torch/torch.h>

namespace viva {

// Converts the weights of every linear layer (AdaptableLinear too) and convolution in `model` to
// `dtype`, in place (the parameters stay the same tensors).
void hold_autocast_weights_in(torch::nn::Module& model, torch::ScalarType dtype);

}  // namespace viva
