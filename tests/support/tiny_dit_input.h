#pragma once
// A small, seeded DiT input for a model of options `o`: one sample of one latent frame of 8 x 8
// (16 image tokens), 5 text tokens, timestep 400.
#include <torch/torch.h>

#include "viva/models/dit/hunyuan_dit.h"

namespace viva::testing {

inline DitInput tiny_dit_input(const DitOptions& o) {
  torch::manual_seed(3);
  DitInput in;
  in.x = torch::randn({1, o.in_channels, 1, 8, 8});
  in.t = torch::full({1}, 400.0);
  in.text = torch::randn({1, 5, o.text_dim});
  in.pooled = torch::randn({1, o.pooled_dim});
  return in;
}

}  // namespace viva::testing
