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

// A text-to-video DiT's tensors (original names, as the module holds them) in the diffusers
// layout: renamed, fused q/k/v (and the single blocks' proj_mlp) split, the final modulation's
// halves swapped — what load_dit reads back into the same module.
std::vector<NamedTensor> dit_diffusers_tensors(const std::vector<NamedTensor>& original, const DitOptions& options);

// VIVA's own tensors for an editor made from a text-to-video DiT checkpoint (paper §3.2), in
// its stored dtype, read from the checkpoint alone (no module is built): src_in.proj = img_in's
// patch embedding, context_projector = [I | 0] with a zero bias, so that at step 0 the editor
// equals the text-to-video model. `hidden` is the DiT's width.
std::vector<NamedTensor> editor_tensors_from_t2v(const Checkpoint& t2v, int64_t hidden);

}  // namespace viva
