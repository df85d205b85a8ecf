#pragma once
// The DINO / DINOv2 vision transformer (dino_options.h), module names as the references'
// state_dict() keys: cls_token, pos_embed, [mask_token,] patch_embed.proj, blocks.{i}.{norm1,
// attn.qkv, attn.proj, [ls1.gamma,] norm2, mlp.fc1, mlp.fc2[, ls2.gamma]}, norm.
#include <torch/torch.h>

#include "viva/models/dino/dino_options.h"

namespace viva {

struct DinoLayerScaleImpl : torch::nn::Module {
  explicit DinoLayerScaleImpl(int64_t dim);
  torch::Tensor forward(const torch::Tensor& x) { return x * gamma; }
  torch::Tensor gamma;
};
TORCH_MODULE(DinoLayerScale);

struct DinoAttentionImpl : torch::nn::Module {
  DinoAttentionImpl(int64_t dim, int64_t heads);
  torch::Tensor forward(const torch::Tensor& x);  // [B, S, D]
  int64_t heads;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
};
TORCH_MODULE(DinoAttention);

struct DinoMlpImpl : torch::nn::Module {
  DinoMlpImpl(int64_t dim, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x) { return fc2(torch::gelu(fc1(x))); }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(DinoMlp);

struct DinoBlockImpl : torch::nn::Module {
  explicit DinoBlockImpl(const DinoOptions& o);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  DinoAttention attn{nullptr};
  DinoMlp mlp{nullptr};
  DinoLayerScale ls1{nullptr}, ls2{nullptr};  // DINOv2 only
};
TORCH_MODULE(DinoBlock);

struct DinoPatchEmbedImpl : torch::nn::Module {
  explicit DinoPatchEmbedImpl(const DinoOptions& o);
  torch::nn::Conv2d proj{nullptr};
};
TORCH_MODULE(DinoPatchEmbed);

struct DinoOutput {
  torch::Tensor cls;     // [B, D]: the CLS token after the final norm (DINO's output, HF pooler_output)
  torch::Tensor tokens;  // [B, 1 + patches, D]: every token after the final norm, CLS first
};

struct DinoVisionTransformerImpl : torch::nn::Module {
  explicit DinoVisionTransformerImpl(const DinoOptions& o);

  // pixels [B, 3, H, W], normalised; H / patch x W / patch patches (a remainder is dropped).
  DinoOutput forward(const torch::Tensor& pixels);
  // CLS + patch tokens with their (resampled) position embeddings, before the first block.
  torch::Tensor embed(const torch::Tensor& pixels);
  // The position embeddings for an h x w patch grid, [1, 1 + h·w, D]: the stored grid itself
  // when it matches a square image, otherwise resampled as the references do.
  torch::Tensor position_embedding(int64_t h, int64_t w) const;

  DinoOptions options;
  torch::Tensor cls_token, pos_embed, mask_token;  // mask_token: DINOv2 only
  DinoPatchEmbed patch_embed{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(DinoVisionTransformer);

}  // namespace viva
