#pragma once
// Loading DINO backbones from the published layouts:
//   reference state_dict   cls_token, pos_embed, patch_embed.proj.*, blocks.{i}.*, norm.*
//                          (facebookresearch/dino and dinov2; the model's own names)
//   HF ViTModel            embeddings.*, encoder.layer.{i}.{layernorm_before, attention.attention.
//                          {query,key,value}, attention.output.dense, layernorm_after,
//                          intermediate.dense, output.dense}, layernorm.*  (facebook/dino-vitb16)
//   HF Dinov2Model         embeddings.*, encoder.layer.{i}.{norm1, attention.attention.{query,key,
//                          value}, attention.output.dense, layer_scale1.lambda1, norm2, mlp.fc1,
//                          mlp.fc2, layer_scale2.lambda1}, layernorm.*  (facebook/dinov2-base)
// HF's separate query/key/value are concatenated into qkv; an HF pooler is ignored.
#include "viva/core/checkpoint.h"
#include "viva/models/dino/dino_vit.h"
#include "viva/nn/weight_loading.h"

namespace viva {

WeightLoadReport load_dino(DinoVisionTransformer& model, const Checkpoint& checkpoint);

// A DINO backbone in eval mode: a folder with config.json (Hugging Face, or the reference's
// arguments) beside its weights, or a weights file alone (e.g. the reference's .pth) with the
// `preset` sizes.
DinoVisionTransformer load_dino_model(const std::string& path, const DinoOptions& preset);

}  // namespace viva
