#include "viva/models/vae/vae_tiling.h"

#include "viva/models/vae/causal_vae.h"

namespace viva {
namespace {

// b's first `extent` entries along `dim` fade in from a's last `extent` entries.
torch::Tensor blend(const torch::Tensor& a, torch::Tensor b, int64_t dim, int64_t extent) {
  extent = std::min({extent, a.size(dim), b.size(dim)});
  if (extent <= 0) return b;
  std::vector<int64_t> shape(b.dim(), 1);
  shape[dim] = extent;
  auto w = (torch::arange(extent, b.options()) / static_cast<double>(extent)).view(shape);
  auto head = a.narrow(dim, a.size(dim) - extent, extent) * (1 - w) + b.narrow(dim, 0, extent) * w;
  b = b.clone();
  b.narrow(dim, 0, extent).copy_(head);
  return b;
}

// Whether x ([B, C, T, H, W]) fits one tile of `size` x `size` and `frames` (0: no tiling there).
bool fits_one_tile(const torch::Tensor& x, int64_t size, int64_t frames) {
  return (size <= 0 || (x.size(3) <= size && x.size(4) <= size)) && (frames <= 0 || x.size(2) <= frames);
}

// One pass over the whole batch when nothing is tiled, on the CPU (a batch runs its convolutions
// through oneDNN, which one small clip does not); otherwise, and always on a GPU (an Edit-GRPO
// group of 8 small clips at once would hold 8 times the decoder's activations), one sample at
// a time, to bound memory.
torch::Tensor run_batch(const torch::Tensor& x, int64_t size, int64_t frames, const TileFn& untiled, const TileFn& tiled) {
  if (fits_one_tile(x, size, frames) && (x.device().is_cpu() || x.size(0) == 1)) return untiled(x);
  std::vector<torch::Tensor> samples;
  for (int64_t b = 0; b < x.size(0); ++b) samples.push_back(tiled(x.narrow(0, b, 1)));
  return torch::cat(samples, 0);
}

}  // namespace

torch::Tensor tile_spatial(const torch::Tensor& x, const TileFn& fn, int64_t tile, int64_t stride, int64_t blend_extent,
                           int64_t keep) {
  const int64_t H = x.size(3), W = x.size(4);
  if (H <= tile && W <= tile) return fn(x);
  std::vector<std::vector<torch::Tensor>> rows;
  for (int64_t i = 0; i < H; i += stride) {
    std::vector<torch::Tensor> row;
    for (int64_t j = 0; j < W; j += stride) {
      row.push_back(fn(x.narrow(3, i, std::min(tile, H - i)).narrow(4, j, std::min(tile, W - j))));
      if (j + tile >= W) break;
    }
    rows.push_back(std::move(row));
    if (i + tile >= H) break;
  }
  std::vector<torch::Tensor> joined_rows;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::vector<torch::Tensor> pieces;
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      auto t = rows[r][c];
      if (r > 0) t = blend(rows[r - 1][c], t, 3, blend_extent);
      if (c > 0) t = blend(rows[r][c - 1], t, 4, blend_extent);
      rows[r][c] = t;
      const bool last_col = c + 1 == rows[r].size();
      pieces.push_back(last_col ? t : t.narrow(4, 0, std::min(keep, t.size(4))));
    }
    auto row = torch::cat(pieces, 4);
    const bool last_row = r + 1 == rows.size();
    joined_rows.push_back(last_row ? row : row.narrow(3, 0, std::min(keep, row.size(3))));
  }
  return torch::cat(joined_rows, 3);
}

torch::Tensor tile_temporal(const torch::Tensor& x, const TileFn& fn, int64_t tile, int64_t stride, int64_t blend_extent,
                            int64_t keep) {
  const int64_t T = x.size(2);
  if (T <= tile) return fn(x);
  std::vector<torch::Tensor> outputs;
  for (int64_t i = 0; i < T; i += stride) {
    auto out = fn(x.narrow(2, i, std::min(tile, T - i)));
    if (i > 0) out = out.narrow(2, 1, out.size(2) - 1);
    outputs.push_back(out);
    if (i + tile >= T) break;
  }
  std::vector<torch::Tensor> pieces;
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    auto t = outputs[k];
    if (k > 0) t = blend(outputs[k - 1], t, 2, blend_extent);
    outputs[k] = t;
    const bool last = k + 1 == outputs.size();
    const int64_t limit = k == 0 ? keep + 1 : keep;
    pieces.push_back(last ? t : t.narrow(2, 0, std::min(limit, t.size(2))));
  }
  return torch::cat(pieces, 2);
}

torch::Tensor vae_encode_tiled(CausalVaeImpl& vae, const torch::Tensor& video) {
  const auto& o = vae.options;
  const int64_t sc = o.spatial_compression, tc = o.time_compression;
  // Tile extents in pixels and frames; 0: no tiling in that dimension.
  const int64_t size = o.tile_latent_size > 0 ? o.tile_latent_size * sc : 0;
  const int64_t frames = o.tile_latent_frames > 0 ? (o.tile_latent_frames - 1) * tc + 1 : 0;
  const TileFn untiled = [&](const torch::Tensor& v) { return vae.encode_moments_untiled(v); };
  TileFn spatial = untiled;
  if (size > 0)
    spatial = [&](const torch::Tensor& v) {
      return tile_spatial(v, untiled, size, o.tile_latent_stride * sc, o.tile_latent_size - o.tile_latent_stride,
                          o.tile_latent_stride);
    };
  TileFn full = spatial;
  if (frames > 0)
    full = [&](const torch::Tensor& v) {
      return tile_temporal(v, spatial, frames, o.tile_latent_frame_stride * tc,
                           o.tile_latent_frames - 1 - o.tile_latent_frame_stride, o.tile_latent_frame_stride);
    };
  return run_batch(video, size, frames, untiled, full);
}

torch::Tensor vae_decode_tiled(CausalVaeImpl& vae, const torch::Tensor& z) {
  const auto& o = vae.options;
  const int64_t sc = o.spatial_compression, tc = o.time_compression;
  const TileFn untiled = [&](const torch::Tensor& t) { return vae.decode_untiled(t); };
  TileFn spatial = untiled;
  if (o.tile_latent_size > 0)
    spatial = [&](const torch::Tensor& t) {
      return tile_spatial(t, untiled, o.tile_latent_size, o.tile_latent_stride,
                          (o.tile_latent_size - o.tile_latent_stride) * sc, o.tile_latent_stride * sc);
    };
  TileFn full = spatial;
  if (o.tile_latent_frames > 0)
    full = [&](const torch::Tensor& t) {
      return tile_temporal(t, spatial, o.tile_latent_frames, o.tile_latent_frame_stride,
                           (o.tile_latent_frames - 1 - o.tile_latent_frame_stride) * tc, o.tile_latent_frame_stride * tc);
    };
  return run_batch(z, o.tile_latent_size, o.tile_latent_frames, untiled, full);
}

}  // namespace viva
