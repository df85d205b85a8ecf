#pragma once
// DINO vision transformers (self-supervised ViTs used as frame feature extractors by the video
// metrics, metrics.md §3.3): DINO v1 (facebookresearch/dino, `vit_base` = ViT-B/16) and DINOv2
// (facebookresearch/dinov2, ViT-B/14 with LayerScale). Both keep the reference's computation:
// pre-norm blocks, exact GELU, LayerNorm eps 1e-6, a CLS token, and position embeddings
// resampled bicubically (with the references' +0.1 scale offset) to other patch grids.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace viva {

struct DinoOptions {
  int64_t patch_size = 16;
  int64_t embed_dim = 768;
  int64_t depth = 12;
  int64_t heads = 12;
  int64_t mlp_hidden = 3072;
  int64_t image_size = 224;  // the position-embedding grid is image_size / patch_size square
  double layer_norm_eps = 1e-6;
  // DINOv2: each residual branch scaled by a learned per-channel gamma (`ls1`, `ls2`), and a
  // `mask_token` parameter (unused at inference).
  bool layer_scale = false;

  int64_t grid() const { return image_size / patch_size; }
  // facebook/dino-vitb16 (`dino_vitbase16_pretrain.pth`): VBench's subject consistency.
  static DinoOptions dino_vitb16();
  // facebook/dinov2-base: EditVerse's DINO consistency.
  static DinoOptions dinov2_base();
  // From the reference factories' arguments (patch_size, embed_dim, depth, num_heads, mlp_ratio,
  // img_size, init_values for DINOv2) or a Hugging Face ViTConfig / Dinov2Config
  // (model_type "vit" / "dinov2"); errors name `source`.
  static DinoOptions from_json(const nlohmann::json& config, const std::string& source);
  void validate(const std::string& source) const;
};

}  // namespace viva
