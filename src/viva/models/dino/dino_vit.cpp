#include "viva/models/dino/dino_vit.h"

#include "viva/core/error.h"

namespace viva {
namespace {

torch::nn::LayerNorm layer_norm(const DinoOptions& o) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.embed_dim}).eps(o.layer_norm_eps));
}

}  // namespace

DinoLayerScaleImpl::DinoLayerScaleImpl(int64_t dim) { gamma = register_parameter("gamma", torch::ones({dim})); }

DinoAttentionImpl::DinoAttentionImpl(int64_t dim, int64_t heads_) : heads(heads_) {
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor DinoAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), S = x.size(1), D = x.size(2);
  const auto parts = qkv(x).view({B, S, 3, heads, D / heads}).permute({2, 0, 3, 1, 4});  // [3, B, h, S, d]
  const auto q = parts[0], k = parts[1], v = parts[2];
  const auto weights = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(D / heads)), -1);
  return proj(torch::matmul(weights, v).transpose(1, 2).reshape({B, S, D}));
}

DinoMlpImpl::DinoMlpImpl(int64_t dim, int64_t hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
}

DinoBlockImpl::DinoBlockImpl(const DinoOptions& o) {
  norm1 = register_module("norm1", layer_norm(o));
  attn = register_module("attn", DinoAttention(o.embed_dim, o.heads));
  if (o.layer_scale) ls1 = register_module("ls1", DinoLayerScale(o.embed_dim));
  norm2 = register_module("norm2", layer_norm(o));
  mlp = register_module("mlp", DinoMlp(o.embed_dim, o.mlp_hidden));
  if (o.layer_scale) ls2 = register_module("ls2", DinoLayerScale(o.embed_dim));
}

torch::Tensor DinoBlockImpl::forward(const torch::Tensor& x) {
  auto a = attn(norm1(x));
  auto y = x + (ls1 ? ls1(a) : a);
  auto m = mlp(norm2(y));
  return y + (ls2 ? ls2(m) : m);
}

DinoPatchEmbedImpl::DinoPatchEmbedImpl(const DinoOptions& o) {
  proj = register_module(
      "proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, o.embed_dim, o.patch_size).stride(o.patch_size)));
}

DinoVisionTransformerImpl::DinoVisionTransformerImpl(const DinoOptions& o) : options(o) {
  o.validate("DINO options");
  cls_token = register_parameter("cls_token", torch::zeros({1, 1, o.embed_dim}));
  pos_embed = register_parameter("pos_embed", torch::zeros({1, 1 + o.grid() * o.grid(), o.embed_dim}));
  if (o.layer_scale) mask_token = register_parameter("mask_token", torch::zeros({1, o.embed_dim}));
  patch_embed = register_module("patch_embed", DinoPatchEmbed(o));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.depth; ++i) blocks->push_back(DinoBlock(o));
  norm = register_module("norm", layer_norm(o));
}

torch::Tensor DinoVisionTransformerImpl::position_embedding(int64_t h, int64_t w) const {
  const int64_t M = options.grid();
  if (h == M && w == M) return pos_embed;
  // As both references: bicubic with scale factors (n + 0.1) / M (not a target size), so
  // every sample moves slightly even along an axis that keeps M patches.
  const int64_t D = pos_embed.size(2);
  const auto grid = pos_embed.narrow(1, 1, M * M).reshape({1, M, M, D}).permute({0, 3, 1, 2});
  const double m = static_cast<double>(M);
  auto resampled = torch::nn::functional::interpolate(
      grid.to(torch::kFloat32), torch::nn::functional::InterpolateFuncOptions()
                                    .scale_factor(std::vector<double>{(static_cast<double>(h) + 0.1) / m,
                                                                      (static_cast<double>(w) + 0.1) / m})
                                    .mode(torch::kBicubic)
                                    .align_corners(false)
                                    .recompute_scale_factor(false));  // the references' behaviour, stated
  if (resampled.size(2) != h || resampled.size(3) != w)
    throw Error("DINO", "position embeddings resampled to " + c10::str(resampled.sizes()) + ", not " +
                            std::to_string(h) + " x " + std::to_string(w));
  resampled = resampled.to(pos_embed.scalar_type()).permute({0, 2, 3, 1}).reshape({1, h * w, D});
  return torch::cat({pos_embed.narrow(1, 0, 1), resampled}, 1);
}

torch::Tensor DinoVisionTransformerImpl::embed(const torch::Tensor& pixels) {
  const int64_t p = options.patch_size;
  if (pixels.dim() != 4 || pixels.size(1) != 3 || pixels.size(2) < p || pixels.size(3) < p)
    throw Error("DINO", "pixels must be [B, 3, H, W] with H and W at least " + std::to_string(p) + ", not " +
                            c10::str(pixels.sizes()));
  const int64_t B = pixels.size(0), h = pixels.size(2) / p, w = pixels.size(3) / p;
  // The strided convolution drops a remainder of less than a patch, as in the references.
  auto x = patch_embed->proj(pixels).flatten(2).transpose(1, 2);  // [B, h·w, D]
  x = torch::cat({cls_token.expand({B, 1, x.size(2)}), x}, 1);
  return x + position_embedding(h, w);
}

DinoOutput DinoVisionTransformerImpl::forward(const torch::Tensor& pixels) {
  auto x = embed(pixels);
  for (const auto& block : *blocks) x = block->as<DinoBlock>()->forward(x);
  x = norm(x);
  return {x.select(1, 0), x};
}

}  // namespace viva
