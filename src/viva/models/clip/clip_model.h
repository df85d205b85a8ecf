#pragma once
// CLIP (ViT vision tower and causal text tower, pre-LN, quick-GELU) with module names equal to
// Hugging Face's CLIPModel, so its checkpoints load by name (clip_checkpoint.h).
#include <torch/torch.h>

#include <vector>

#include "viva/models/clip/clip_options.h"

namespace viva {

struct ClipAttentionImpl : torch::nn::Module {
  ClipAttentionImpl(int64_t hidden, int64_t heads);
  // x: [B, L, D]; mask: additive [B, 1, L, L] or undefined
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);

  int64_t heads;
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(ClipAttention);

struct ClipMlpImpl : torch::nn::Module {
  ClipMlpImpl(int64_t hidden, int64_t intermediate, ClipActivation activation);
  torch::Tensor forward(const torch::Tensor& x);

  ClipActivation activation;
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(ClipMlp);

struct ClipEncoderLayerImpl : torch::nn::Module {
  ClipEncoderLayerImpl(int64_t hidden, int64_t heads, int64_t intermediate, double eps, ClipActivation activation);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);

  torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
  ClipAttention self_attn{nullptr};
  ClipMlp mlp{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

struct ClipEncoderImpl : torch::nn::Module {
  ClipEncoderImpl(int64_t hidden, int64_t heads, int64_t intermediate, int64_t layers, double eps, ClipActivation activation);
  // Runs the first `count` layers (-1: all); appends the residual stream after each to `trace`
  // when given.
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& mask, int64_t count = -1,
                        std::vector<torch::Tensor>* trace = nullptr);

  torch::nn::ModuleList layers;
};
TORCH_MODULE(ClipEncoder);

struct ClipVisionEmbeddingsImpl : torch::nn::Module {
  explicit ClipVisionEmbeddingsImpl(const ClipVisionOptions& o);
  torch::Tensor forward(const torch::Tensor& pixel_values);  // [B, 3, S, S] -> [B, 1 + patches, D]

  torch::Tensor class_embedding;
  torch::nn::Conv2d patch_embedding{nullptr};
  torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(ClipVisionEmbeddings);

struct ClipVisionOutput {
  torch::Tensor hidden;  // [B, 1 + patches, D] after the last layer run (no post-layernorm)
  torch::Tensor pooled;  // post_layernorm(CLS) [B, D]; undefined when stopping early
  std::vector<torch::Tensor> trace;
};

struct ClipVisionTransformerImpl : torch::nn::Module {
  explicit ClipVisionTransformerImpl(const ClipVisionOptions& o);
  // pixel_values: [B, 3, S, S], already normalised. stop_after_layer: 1-based, -1 = all.
  ClipVisionOutput forward(const torch::Tensor& pixel_values, int64_t stop_after_layer = -1, bool trace = false);

  ClipVisionOptions options;
  ClipVisionEmbeddings embeddings{nullptr};
  torch::nn::LayerNorm pre_layrnorm{nullptr};  // sic: Hugging Face's name
  ClipEncoder encoder{nullptr};
  torch::nn::LayerNorm post_layernorm{nullptr};
};
TORCH_MODULE(ClipVisionTransformer);

struct ClipTextEmbeddingsImpl : torch::nn::Module {
  explicit ClipTextEmbeddingsImpl(const ClipTextOptions& o);
  torch::Tensor forward(const torch::Tensor& ids);  // [B, L] -> [B, L, D]

  torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr};
};
TORCH_MODULE(ClipTextEmbeddings);

struct ClipTextOutput {
  torch::Tensor last_hidden_state;  // [B, L, D] after final_layer_norm
  torch::Tensor pooled;             // [B, D] at the first end-of-text token
  std::vector<torch::Tensor> trace;
};

struct ClipTextTransformerImpl : torch::nn::Module {
  explicit ClipTextTransformerImpl(const ClipTextOptions& o);
  // ids: [B, L] int64, L <= max_positions; attention_mask: [B, L] (1 = real) or undefined.
  ClipTextOutput forward(const torch::Tensor& ids, const torch::Tensor& attention_mask = {}, bool trace = false);

  ClipTextOptions options;
  ClipTextEmbeddings embeddings{nullptr};
  ClipEncoder encoder{nullptr};
  torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(ClipTextTransformer);

struct ClipModelImpl : torch::nn::Module {
  explicit ClipModelImpl(const ClipOptions& o);

  torch::Tensor image_embeds(const torch::Tensor& pixel_values);  // projected, not normalised
  torch::Tensor text_embeds(const torch::Tensor& ids, const torch::Tensor& attention_mask = {});
  // logit_scale.exp() * cosine similarity, [B_image, B_text].
  torch::Tensor logits_per_image(const torch::Tensor& image_embeds, const torch::Tensor& text_embeds);

  ClipOptions options;
  ClipVisionTransformer vision_model{nullptr};
  ClipTextTransformer text_model{nullptr};
  torch::nn::Linear visual_projection{nullptr}, text_projection{nullptr};
  torch::Tensor logit_scale;
};
TORCH_MODULE(ClipModel);

}  // namespace viva
