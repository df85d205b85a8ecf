#pragma once
// Tiled VAE passes (hunyuanvideo.md §3.6, the original implementation's scheme): overlapping
// tiles in time and space, each run on its own, joined with linear blends over the overlaps, so
// memory is bounded by the tile size instead of the video size. A batch that fits one tile runs
// whole; a larger one runs one sample at a time.
#include <torch/torch.h>

#include <functional>

namespace viva {

struct CausalVaeImpl;

using TileFn = std::function<torch::Tensor(const torch::Tensor&)>;

// Runs `fn` on spatial tiles of x ([B, C, T, H, W]) of `tile` x `tile` (x's units) starting every
// `stride`; outputs are blended over `blend` and `keep` of each output tile is kept (the output
// scale is fn's). Without tiling need (H, W <= tile) fn runs once.
torch::Tensor tile_spatial(const torch::Tensor& x, const TileFn& fn, int64_t tile, int64_t stride, int64_t blend,
                           int64_t keep);

// Runs `fn` on temporal tiles x[:, :, i : i + tile] for i = 0, stride, ...; later tiles' first
// output frame is dropped (it repeats the causal context), tiles are blended over `blend`
// frames; the first keeps keep + 1 frames, the others keep.
torch::Tensor tile_temporal(const torch::Tensor& x, const TileFn& fn, int64_t tile, int64_t stride, int64_t blend,
                            int64_t keep);

// moments = quant_conv(encoder(video)), tiled when the video exceeds the tiles.
torch::Tensor vae_encode_tiled(CausalVaeImpl& vae, const torch::Tensor& video);
// decoder(post_quant_conv(z)) for an unscaled latent, tiled when it exceeds the tiles.
torch::Tensor vae_decode_tiled(CausalVaeImpl& vae, const torch::Tensor& z);

}  // namespace viva
