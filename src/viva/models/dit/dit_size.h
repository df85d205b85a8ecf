#pragma once
// The DiT's size from its options alone, without building it: parameter counts per unit (what a
// memory plan and fully sharded training work with) and the Linear layers a LoRA may adapt.
// hunyuanvideo.md §2.4 gives the 13B model's exact budget, which these reproduce.
#include <cstdint>
#include <string>
#include <vector>

#include "viva/models/dit/dit_options.h"

namespace viva {

struct DitParameterCounts {
  int64_t double_block = 0, single_block = 0;  // one block of each kind
  int64_t double_blocks = 0, single_blocks = 0;  // how many
  int64_t embedders = 0;  // everything outside the blocks (img_in, txt_in, time_in, ..., final_layer)
  // Of each, the one-dimensional parameters (biases, norm weights): what stays float32 when a
  // frozen DiT holds its matrices in bf16 (nn/autocast_weights.h).
  int64_t double_block_vectors = 0, single_block_vectors = 0, embedder_vectors = 0;
  int64_t total() const { return embedders + double_blocks * double_block + single_blocks * single_block; }
  int64_t vectors() const {
    return embedder_vectors + double_blocks * double_block_vectors + single_blocks * single_block_vectors;
  }
};

DitParameterCounts dit_parameter_counts(const DitOptions& o);

// Every AdaptableLinear of the DiT by its last name component (LoRA targets): [in, out] and
// how many layers of that name the model has.
struct DitLinearShape {
  std::string name;
  int64_t in = 0, out = 0, count = 0;
};
std::vector<DitLinearShape> dit_adaptable_linears(const DitOptions& o);

// Image tokens of one sample: the latent grid after patching; `reference` adds one latent frame.
int64_t dit_image_tokens(const DitOptions& o, int64_t latent_frames, int64_t latent_height, int64_t latent_width,
                         bool reference = false);

}  // namespace viva
