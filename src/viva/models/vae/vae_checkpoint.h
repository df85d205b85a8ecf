#pragma once
// VAE tensor names are identical in the original and diffusers layouts (hunyuanvideo.md §3.5);
// the original `vae/pytorch_model.pt` re-saved as safetensors may prefix them with "vae.".
#include "viva/core/checkpoint.h"
#include "viva/models/vae/causal_vae.h"
#include "viva/nn/weight_loading.h"

namespace viva {

WeightLoadReport load_vae(CausalVae& model, const Checkpoint& checkpoint);

}  // namespace viva
