#pragma once
// Loading the HunyuanVideo DiT from either published layout into the one module tree:
//   original (Tencent `module` dict re-saved as safetensors; 856 tensors for 13B T2V): the
//     module's own names, fused qkv and linear1;
//   diffusers (transformer/ diffusion_pytorch_model*.safetensors; 1264 tensors): renamed, with
//     q/k/v (and the single blocks' proj_mlp) stored split and the final modulation's halves
//     stored as (scale, shift) instead of (shift, scale) — hunyuanvideo.md §2.3.
// VIVA's own tensors (src_in.*, context_projector.*) carry the same names in both layouts.
#include <string>
#include <vector>

#include "viva/core/checkpoint.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/nn/weight_loading.h"

namespace viva {

enum class DitLayout { Original, Diffusers };

DitLayout detect_dit_layout(const Checkpoint& checkpoint);

// The diffusers tensor names that hold an original-layout tensor (several when it is fused).
std::vector<std::string> dit_diffusers_names(const std::string& original_name);

struct DitLoadOptions {
  // Starting VIVA from text-to-video weights: the source patch embedding and the context
  // projector may be absent; they are then initialised so the model equals the T2V model.
  bool allow_missing_viva = false;
};

WeightLoadReport load_dit(HunyuanDit& model, const Checkpoint& checkpoint, const DitLoadOptions& options = {});

}  // namespace viva
