#include "viva/models/dit/dit_size.h"

namespace viva {
namespace {

// A parameter count and, of it, the one-dimensional parameters (biases, norm weights).
struct Size {
  int64_t all = 0, vectors = 0;
  Size operator+(const Size& o) const { return {all + o.all, vectors + o.vectors}; }
  Size operator*(int64_t n) const { return {all * n, vectors * n}; }
};

Size linear(int64_t in, int64_t out) { return {in * out + out, out}; }  // weight + bias
Size norm(int64_t dim, int64_t vectors_per_dim = 1) { return {dim * vectors_per_dim, dim * vectors_per_dim}; }

Size timestep_embedder(int64_t d) { return linear(256, d) + linear(d, d); }

}  // namespace

DitParameterCounts dit_parameter_counts(const DitOptions& o) {
  const int64_t d = o.hidden_size, m = o.mlp_hidden(), hd = o.head_dim();
  const Size mlp = linear(d, m) + linear(m, d);
  // Per stream: modulation (6 chunks), qkv, proj, q/k RMSNorm weights, MLP.
  const Size double_block = (linear(d, 6 * d) + linear(d, 3 * d) + linear(d, d) + norm(hd) * 2 + mlp) * 2;
  // linear1 (qkv | MLP in), linear2 (attention | MLP out), q/k norms, modulation (3 chunks).
  const Size single_block = linear(d, 3 * d + m) + linear(d + m, d) + norm(hd) * 2 + linear(d, 3 * d);
  const Size patch_embed = Size{o.in_channels * o.patch_volume() * d, 0} + Size{d, d};
  // Two LayerNorms with weight and bias.
  const Size refiner_block = norm(d, 2) * 2 + linear(d, 3 * d) + linear(d, d) + mlp + linear(d, 2 * d);
  const Size txt_in = linear(o.text_dim, d) + timestep_embedder(d) + linear(o.text_dim, d) + linear(d, d) +
                      refiner_block * o.refiner_blocks;
  Size embedders = patch_embed + txt_in + timestep_embedder(d) + linear(o.pooled_dim, d) + linear(d, d) +
                   linear(d, o.patch_volume() * o.out_channels) + linear(d, 2 * d);
  if (o.guidance_embed) embedders = embedders + timestep_embedder(d);
  if (o.context_projector) embedders = embedders + patch_embed + linear(2 * d, d);
  DitParameterCounts c;
  c.double_blocks = o.double_blocks;
  c.single_blocks = o.single_blocks;
  c.double_block = double_block.all;
  c.single_block = single_block.all;
  c.embedders = embedders.all;
  c.double_block_vectors = double_block.vectors;
  c.single_block_vectors = single_block.vectors;
  c.embedder_vectors = embedders.vectors;
  return c;
}

std::vector<DitLinearShape> dit_adaptable_linears(const DitOptions& o) {
  const int64_t d = o.hidden_size, m = o.mlp_hidden();
  const int64_t doubles = o.double_blocks, singles = o.single_blocks;
  return {{"img_attn_qkv", d, 3 * d, doubles},  {"img_attn_proj", d, d, doubles},
          {"txt_attn_qkv", d, 3 * d, doubles},  {"txt_attn_proj", d, d, doubles},
          {"linear1", d, 3 * d + m, singles},   {"linear2", d + m, d, singles},
          // The MLPs of both streams and of the token refiner's blocks.
          {"fc1", d, m, 2 * doubles + o.refiner_blocks}, {"fc2", m, d, 2 * doubles + o.refiner_blocks}};
}

int64_t dit_image_tokens(const DitOptions& o, int64_t latent_frames, int64_t latent_height, int64_t latent_width,
                         bool reference) {
  const int64_t per_frame = (latent_height / o.patch[1]) * (latent_width / o.patch[2]);
  return (latent_frames / o.patch[0]) * per_frame + (reference ? per_frame : 0);
}

}  // namespace viva
