#pragma once
// Attention computed a block of query rows at a time, for the CPU with libtorch 1.x (which has
// no fused attention kernel). Without gradients the [Sq, Sk] score matrix never exists whole:
// each block's scores are formed in a reused buffer (the softmax scale applied to q, not to the scores), turned into
// probabilities in place and multiplied into the output, which is written straight into the
// [B, S, H·D] layout the projection reads. For backward the blocks' probabilities are kept, as
// eager keeps its softmax output. Heads are read and written through strides: no transposes,
// no copies.
#include <torch/torch.h>

namespace viva {

// q: [B, Sq, H, D], k and v: [B, Sk, H, D] (last dimension contiguous); key_keep: [B, Sk] bool
// (true = attend) or undefined. Returns softmax(q·kᵀ/√D)·v as [B, Sq, H·D]. Differentiable in
// q, k and v. Every query row must keep at least one key. A block's scores, every head's,
// take about `block_bytes` (at least 16 rows). Under autocast the inputs are rounded to its dtype,
// the output is given in it, and the scores and softmax are float32 (so what backward keeps is
// float32 too: twice bf16's bytes on this CPU-only path).
torch::Tensor chunked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& key_keep = {}, int64_t block_bytes = 32 << 20);

}  // namespace viva
