#include "viva/models/viclip/viclip_model.h"

#include <cmath>
#include <limits>

#include "viva/core/error.h"

namespace viva {
namespace {

torch::nn::LayerNorm layer_norm(int64_t width, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(eps));
}

// A holder for the reference's nested names (attn.*, mlp.*).
struct Namespace : torch::nn::Module {};

}  // namespace

ViclipResidualBlockImpl::ViclipResidualBlockImpl(int64_t width, int64_t heads_, double eps) : heads(heads_) {
  ln_1 = register_module("ln_1", layer_norm(width, eps));
  attn = register_module("attn", std::make_shared<Namespace>());
  in_proj_weight = attn->register_parameter("in_proj_weight", torch::empty({3 * width, width}));
  in_proj_bias = attn->register_parameter("in_proj_bias", torch::zeros({3 * width}));
  out_proj = attn->register_module("out_proj", torch::nn::Linear(width, width));
  torch::nn::init::xavier_uniform_(in_proj_weight);
  ln_2 = register_module("ln_2", layer_norm(width, eps));
  mlp = register_module("mlp", std::make_shared<Namespace>());
  c_fc = mlp->register_module("c_fc", torch::nn::Linear(width, 4 * width));
  c_proj = mlp->register_module("c_proj", torch::nn::Linear(4 * width, width));
}

torch::Tensor ViclipResidualBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const int64_t B = x.size(0), S = x.size(1), W = x.size(2), d = W / heads;
  const auto qkv = torch::nn::functional::linear(ln_1(x), in_proj_weight, in_proj_bias)
                       .view({B, S, 3, heads, d})
                       .permute({2, 0, 3, 1, 4});  // [3, B, h, S, d]
  auto scores = torch::matmul(qkv[0], qkv[1].transpose(-2, -1)) / std::sqrt(static_cast<double>(d));
  if (mask.defined()) scores = scores + mask;
  const auto attended = torch::matmul(torch::softmax(scores, -1), qkv[2]).transpose(1, 2).reshape({B, S, W});
  auto y = x + out_proj(attended);
  const auto hidden = c_fc(ln_2(y));
  return y + c_proj(hidden * torch::sigmoid(1.702 * hidden));  // quick-GELU
}

ViclipTransformerImpl::ViclipTransformerImpl(int64_t width, int64_t layers, int64_t heads, double eps) {
  resblocks = register_module("resblocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < layers; ++i) resblocks->push_back(ViclipResidualBlock(width, heads, eps));
}

torch::Tensor ViclipTransformerImpl::forward(torch::Tensor x, const torch::Tensor& mask) {
  for (const auto& block : *resblocks) x = block->as<ViclipResidualBlock>()->forward(x, mask);
  return x;
}

ViclipVisionImpl::ViclipVisionImpl(const ViclipOptions& o) : options(o) {
  const int64_t W = o.vision_width;
  conv1 = register_module("conv1", torch::nn::Conv3d(torch::nn::Conv3dOptions(3, W, {1, o.patch_size, o.patch_size})
                                                         .stride({1, o.patch_size, o.patch_size})
                                                         .bias(false)));
  const double scale = 1.0 / std::sqrt(static_cast<double>(W));
  class_embedding = register_parameter("class_embedding", torch::randn({W}) * scale);
  positional_embedding = register_parameter("positional_embedding", torch::randn({o.patches() + 1, W}) * scale);
  temporal_positional_embedding = register_parameter("temporal_positional_embedding", torch::zeros({1, o.num_frames, W}));
  ln_pre = register_module("ln_pre", layer_norm(W, o.layer_norm_eps));
  transformer = register_module("transformer", ViclipTransformer(W, o.vision_layers, o.vision_heads, o.layer_norm_eps));
  ln_post = register_module("ln_post", layer_norm(W, o.layer_norm_eps));
  proj = register_parameter("proj", torch::randn({W, o.embed_dim}) * scale);
}

torch::Tensor ViclipVisionImpl::embed(const torch::Tensor& video) {
  const auto& o = options;
  if (video.dim() != 5 || video.size(2) != 3 || video.size(3) != o.input_resolution || video.size(4) != o.input_resolution)
    throw Error("ViCLIP", "video must be [B, T, 3, " + std::to_string(o.input_resolution) + ", " +
                              std::to_string(o.input_resolution) + "], not " + c10::str(video.sizes()));
  const int64_t B = video.size(0), T = video.size(1), W = o.vision_width;
  torch::Tensor temporal;
  if (T == o.num_frames) temporal = temporal_positional_embedding[0];                        // [T, W]
  else if (T == 1) temporal = temporal_positional_embedding.mean(1);                         // [1, W]
  else throw Error("ViCLIP", "takes " + std::to_string(o.num_frames) + " frames (or 1), not " + std::to_string(T));
  auto x = conv1(video.permute({0, 2, 1, 3, 4}));            // [B, W, T, h, w]
  x = x.flatten(3).permute({0, 3, 2, 1});                    // [B, N, T, W]
  x = x + positional_embedding.narrow(0, 1, x.size(1)).view({1, -1, 1, W}) + temporal.view({1, 1, T, W});
  x = x.reshape({B, -1, W});                                 // index n·T + t
  const auto cls = (class_embedding + positional_embedding[0]).view({1, 1, W}).expand({B, 1, W});
  return torch::cat({cls, x}, 1);
}

torch::Tensor ViclipVisionImpl::forward(const torch::Tensor& video, torch::Tensor* last_hidden) {
  auto x = ln_post(transformer(ln_pre(embed(video))));
  if (last_hidden) *last_hidden = x;
  return torch::matmul(x.select(1, 0), proj);
}

ViclipTextImpl::ViclipTextImpl(const ViclipOptions& o) : options(o) {
  token_embedding = register_module("token_embedding", torch::nn::Embedding(o.vocab_size, o.text_width));
  positional_embedding = register_parameter("positional_embedding", torch::randn({o.context_length, o.text_width}) * 0.01);
  transformer = register_module("transformer", ViclipTransformer(o.text_width, o.text_layers, o.text_heads, o.layer_norm_eps));
  ln_final = register_module("ln_final", layer_norm(o.text_width, o.layer_norm_eps));
  text_projection = register_parameter("text_projection", torch::randn({o.text_width, o.embed_dim}) /
                                                              std::sqrt(static_cast<double>(o.text_width)));
}

torch::Tensor ViclipTextImpl::forward(const torch::Tensor& ids, torch::Tensor* last_hidden) {
  const int64_t L = options.context_length;
  if (ids.dim() != 2 || ids.size(1) != L)
    throw Error("ViCLIP", "text ids must be [B, " + std::to_string(L) + "], not " + c10::str(ids.sizes()));
  const auto causal = torch::full({L, L}, -std::numeric_limits<float>::infinity(), positional_embedding.options()).triu(1);
  auto x = ln_final(transformer(token_embedding(ids) + positional_embedding, causal));
  if (last_hidden) *last_hidden = x;
  const auto end = ids.argmax(-1);  // the end token has the largest id
  return torch::matmul(x.index({torch::arange(ids.size(0), end.device()), end}), text_projection);
}

ViclipModelImpl::ViclipModelImpl(const ViclipOptions& o) : options(o) {
  o.validate("ViCLIP options");
  vision_encoder = register_module("vision_encoder", ViclipVision(o));
  text_encoder = register_module("text_encoder", ViclipText(o));
  temp = register_parameter("temp", torch::tensor(0.01));
}

}  // namespace viva
