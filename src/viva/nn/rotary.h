#pragma once
// Rotary position embedding in the "rotate-half" convention (Hugging Face Llama): the head
// dimension is split in two halves that rotate as (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin).
#include <torch/torch.h>

namespace viva {

// positions: [B, L] (int64) -> cos, sin: [B, 1, L, head_dim] in float32.
std::pair<torch::Tensor, torch::Tensor> rope_cos_sin(const torch::Tensor& positions, int64_t head_dim, double theta);

// x: [B, H, L, head_dim]; returns x rotated, in x's dtype.
torch::Tensor apply_rope_rotate_half(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

}  // namespace viva
