#pragma once
// Loading CLIP from the Hugging Face layouts:
//   CLIPModel            vision_model.*, text_model.*, visual_projection.weight,
//                        text_projection.weight, logit_scale  (clip-vit-large-patch14, PickScore)
//   CLIPTextModel        text_model.*                          (HunyuanVideo text_encoder_2/)
//   CLIPVisionModel      vision_model.*
//   LLaVA vision tower   vision_tower.vision_model.* (transformers < 4.52) or
//                        model.vision_tower.vision_model.* (>= 4.52)
// Old checkpoints' `embeddings.position_ids` buffers are ignored.
#include "viva/core/checkpoint.h"
#include "viva/models/clip/clip_model.h"
#include "viva/nn/weight_loading.h"

namespace viva {

WeightLoadReport load_clip(ClipModel& model, const Checkpoint& checkpoint);
// Finds the vision tower under any of the prefixes above; other tensors are ignored.
WeightLoadReport load_clip_vision(ClipVisionTransformer& model, const Checkpoint& checkpoint);
WeightLoadReport load_clip_text(ClipTextTransformer& model, const Checkpoint& checkpoint);
// Writes `model` as a Hugging Face CLIPModel folder (config.json, model.safetensors) with the
// BPE merges file copied beside them: the layout ClipScorer and load_clip read.
void write_clip_folder(const ClipModel& model, const std::string& folder, const std::string& merges_path);

}  // namespace viva
