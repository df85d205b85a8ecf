#pragma once
// ViCLIP's towers with the reference's module names (viclip_options.h):
//   vision_encoder.{conv1, class_embedding, positional_embedding, temporal_positional_embedding,
//                   ln_pre, transformer.resblocks.{i}, ln_post, proj}
//   text_encoder.{token_embedding, positional_embedding, transformer.resblocks.{i}, ln_final,
//                 text_projection}
// Each resblock is OpenAI CLIP's: ln_1, attn (in_proj_weight/bias with rows q;k;v, out_proj),
// ln_2, mlp.{c_fc, c_proj} with quick-GELU.
#include <torch/torch.h>

#include "viva/models/viclip/viclip_options.h"

namespace viva {

struct ViclipResidualBlockImpl : torch::nn::Module {
  ViclipResidualBlockImpl(int64_t width, int64_t heads, double eps);
  // mask: additive [S, S] or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});
  int64_t heads;
  torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  std::shared_ptr<torch::nn::Module> attn, mlp;  // attn: in_proj_weight/bias + out_proj; mlp: c_fc, c_proj
  torch::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr}, c_fc{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(ViclipResidualBlock);

// `transformer.resblocks.{i}`.
struct ViclipTransformerImpl : torch::nn::Module {
  ViclipTransformerImpl(int64_t width, int64_t layers, int64_t heads, double eps);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& mask = {});
  torch::nn::ModuleList resblocks{nullptr};
};
TORCH_MODULE(ViclipTransformer);

struct ViclipVisionImpl : torch::nn::Module {
  explicit ViclipVisionImpl(const ViclipOptions& o);
  // video [B, T, 3, H, W], normalised; T = num_frames (or 1: the mean temporal embedding).
  // -> the tokens before ln_pre [B, 1 + N·T, W], CLS first, then patch-major, frame-minor.
  torch::Tensor embed(const torch::Tensor& video);
  // -> [B, embed_dim] (not normalised); `last_hidden`, when given, receives ln_post's output.
  torch::Tensor forward(const torch::Tensor& video, torch::Tensor* last_hidden = nullptr);

  ViclipOptions options;
  torch::nn::Conv3d conv1{nullptr};
  torch::Tensor class_embedding, positional_embedding, temporal_positional_embedding, proj;
  torch::nn::LayerNorm ln_pre{nullptr}, ln_post{nullptr};
  ViclipTransformer transformer{nullptr};
};
TORCH_MODULE(ViclipVision);

struct ViclipTextImpl : torch::nn::Module {
  explicit ViclipTextImpl(const ViclipOptions& o);
  // ids [B, context_length], the end token the largest id of each row -> [B, embed_dim] taken
  // there (not normalised); `last_hidden`, when given, receives ln_final's output.
  torch::Tensor forward(const torch::Tensor& ids, torch::Tensor* last_hidden = nullptr);

  ViclipOptions options;
  torch::nn::Embedding token_embedding{nullptr};
  torch::Tensor positional_embedding, text_projection;
  ViclipTransformer transformer{nullptr};
  torch::nn::LayerNorm ln_final{nullptr};
};
TORCH_MODULE(ViclipText);

struct ViclipModelImpl : torch::nn::Module {
  explicit ViclipModelImpl(const ViclipOptions& o);
  ViclipOptions options;
  ViclipVision vision_encoder{nullptr};
  ViclipText text_encoder{nullptr};
  torch::Tensor temp;  // the contrastive temperature (training only)
};
TORCH_MODULE(ViclipModel);

}  // namespace viva
