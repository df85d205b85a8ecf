#include "viva/models/dit/dit_size.h"

namespace viva {
namespace {

int64_t linear(int64_t in, int64_t out) { return in * out + out; }  // weight + bias

int64_t timestep_embedder(int64_t d) { return linear(256, d) + linear(d, d); }

}  // namespace

DitParameterCounts dit_parameter_counts(const DitOptions& o) {
  const int64_t d = o.hidden_size, m = o.mlp_hidden(), hd = o.head_dim();
  const int64_t mlp = linear(d, m) + linear(m, d);
  DitParameterCounts c;
  c.double_blocks = o.double_blocks;
  c.single_blocks = o.single_blocks;
  // Per stream: modulation (6 chunks), qkv, proj, q/k RMSNorm weights, MLP.
  c.double_block = 2 * (linear(d, 6 * d) + linear(d, 3 * d) + linear(d, d) + 2 * hd + mlp);
  // linear1 (qkv | MLP in), linear2 (attention | MLP out), q/k norms, modulation (3 chunks).
  c.single_block = linear(d, 3 * d + m) + linear(d + m, d) + 2 * hd + linear(d, 3 * d);
  const int64_t patch_embed = o.in_channels * o.patch_volume() * d + d;
  const int64_t refiner_block = 2 * 2 * d + linear(d, 3 * d) + linear(d, d) + mlp + linear(d, 2 * d);
  const int64_t txt_in = linear(o.text_dim, d) + timestep_embedder(d) + linear(o.text_dim, d) + linear(d, d) +
                         o.refiner_blocks * refiner_block;
  c.embedders = patch_embed + txt_in + timestep_embedder(d) + linear(o.pooled_dim, d) + linear(d, d) +
                (o.guidance_embed ? timestep_embedder(d) : 0) +
                (o.context_projector ? patch_embed + linear(2 * d, d) : 0) +
                linear(d, o.patch_volume() * o.out_channels) + linear(d, 2 * d);
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
