#pragma once
// Where a Llama decoder's tensors live in the published layouts, and loading them.
//
//   layout                                        decoder prefix              lm_head
//   HF LlamaModel (HunyuanVideo text_encoder/)    ""                          -
//   HF LlamaForCausalLM                           "model."                    lm_head.weight
//   HF LLaVA, transformers < 4.52 (xtuner llava)  "language_model.model."     language_model.lm_head.weight
//   HF LLaVA, transformers >= 4.52                "model.language_model."     lm_head.weight
//
// Tensors outside the decoder (a LLaVA vision tower, projector, RoPE inv_freq buffers) are
// ignored; decoder layers beyond options.num_layers are ignored too, so a model built with
// fewer layers (HunyuanVideo needs only 30 of 32) loads from the full checkpoint.
#include <string>

#include "viva/core/checkpoint.h"
#include "viva/models/llama/llama_model.h"
#include "viva/nn/weight_loading.h"

namespace viva {

struct LlamaLayout {
  std::string decoder_prefix;
  std::string lm_head_name;  // empty when the checkpoint has none
  int64_t num_layers = 0;    // decoder layers present in the checkpoint
};

// Throws viva::Error naming the checkpoint when no layout matches.
LlamaLayout detect_llama_layout(const Checkpoint& checkpoint);

WeightLoadReport load_llama(LlamaModel& model, const Checkpoint& checkpoint);

}  // namespace viva
