#pragma once
// Attention masks as additive float tensors for compat::scaled_dot_product_attention.
#include <torch/torch.h>

namespace viva {

// The most negative finite value of a floating dtype (float32, float16, bfloat16, float64).
double lowest_finite(torch::ScalarType dtype);

// A boolean keep mask as an additive one of `dtype`: 0 where kept, lowest_finite elsewhere.
torch::Tensor additive_attention_mask(const torch::Tensor& keep, torch::ScalarType dtype);

// Causal mask merged with a key padding mask (attention_mask [B, L], 1 = real token, or
// undefined), as [B, 1, L, L] using the dtype's lowest value rather than -inf, so a query
// with no visible key yields uniform weights instead of NaN (as Hugging Face does).
torch::Tensor causal_attention_mask(const torch::Tensor& attention_mask, int64_t batch, int64_t length,
                                    torch::Device device, torch::ScalarType dtype);

}  // namespace viva
