#pragma once
// LLaVA (llava-llama-3-8b-v1_1-transformers layout): CLIP vision tower -> 2-layer GELU projector
// -> image embeddings spliced into the Llama decoder's input at each <image> token.
#include <torch/torch.h>

#include <vector>

#include "viva/core/checkpoint.h"
#include "viva/models/clip/clip_model.h"
#include "viva/models/llama/llama_model.h"

namespace viva {

struct LlavaOptions {
  ClipVisionOptions vision = ClipOptions::vit_large_patch14_336().vision;
  LlamaOptions text = LlamaOptions::llama3_8b();
  int64_t image_token_id = 128257;
  int64_t vision_feature_layer = -2;  // hidden_states index: -2 = after the second-to-last block

  // From a Hugging Face LlavaConfig (vision_config, text_config, image_token_index, ...).
  static LlavaOptions from_hf_config(const nlohmann::json& config, const std::string& source);
  nlohmann::json to_hf_config() const;
};

// multi_modal_projector: linear_1 -> GELU -> linear_2.
struct LlavaProjectorImpl : torch::nn::Module {
  LlavaProjectorImpl(int64_t vision_hidden, int64_t text_hidden);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(LlavaProjector);

// Where each image's embeddings sit in the spliced sequence.
struct SplicedInput {
  torch::Tensor embeddings;               // [1, L', D]
  std::vector<int64_t> image_starts;      // start position of each image's span
  int64_t image_length = 0;               // positions per image
};

struct LlavaModelImpl : torch::nn::Module {
  explicit LlavaModelImpl(const LlavaOptions& o);

  // pixels [N, 3, S, S] (CLIP-normalised) -> [N, patches, text_hidden]
  torch::Tensor image_features(const torch::Tensor& pixels);
  // ids [1, L] with one <image> token per image; features [N, P, D] in order of appearance.
  SplicedInput splice(const torch::Tensor& ids, const torch::Tensor& features);

  LlavaOptions options;
  ClipVisionTransformer vision_tower{nullptr};
  LlavaProjector multi_modal_projector{nullptr};
  LlamaModel language_model{nullptr};
};
TORCH_MODULE(LlavaModel);

// Loads the three parts from one checkpoint (either transformers layout; see
// llama_checkpoint.h and clip_checkpoint.h for the prefixes).
void load_llava(LlavaModel& model, const Checkpoint& checkpoint);
// Saves in the transformers < 4.52 layout (vision_tower.*, multi_modal_projector.*,
// language_model.model.*, language_model.lm_head.weight), which load_llava reads.
void save_llava(const LlavaModel& model, const std::string& path);

}  // namespace viva
