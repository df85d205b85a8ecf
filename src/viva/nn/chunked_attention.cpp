#include "viva/nn/chunked_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "viva/core/compat.h"
#include "viva/core/error.h"

namespace viva {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Sample b's rows [start, start + n) of a [B, S, H, D] tensor as [H, n, D] (strides, no copy).
torch::Tensor rows_by_head(const torch::Tensor& x, int64_t b, int64_t start, int64_t n) {
  return x.select(0, b).narrow(0, start, n).transpose(0, 1);
}

// 0 for kept keys, -inf for the others, [B, 1, Sk]; undefined without a mask (an empty `keep`).
torch::Tensor key_bias(const torch::Tensor& keep, const torch::TensorOptions& options) {
  if (keep.numel() == 0) return {};
  return torch::zeros(keep.sizes(), options)
      .masked_fill_(keep.logical_not(), -std::numeric_limits<double>::infinity())
      .unsqueeze(1);
}

// A contiguous [H, n, Sk] block of the flat `buffer` from `offset` (softmax's kernel writes its
// output as if contiguous).
torch::Tensor block_of(const torch::Tensor& buffer, int64_t offset, int64_t H, int64_t n, int64_t Sk) {
  return buffer.narrow(0, offset, H * n * Sk).view({H, n, Sk});
}

// Scores of every head for one block of query rows: q_block [H, n, D] · k_heads [H, D, Sk]
// (+ the key bias), in the flat `buffer` from `offset`.
torch::Tensor block_scores(torch::Tensor& buffer, int64_t offset, const torch::Tensor& q_block,
                           const torch::Tensor& k_heads, const torch::Tensor& bias, int64_t b) {
  auto scores = block_of(buffer, offset, q_block.size(0), q_block.size(1), k_heads.size(2));
  at::bmm_out(scores, q_block, k_heads);
  if (bias.defined()) scores.add_(bias[b]);
  return scores;
}

struct ChunkedAttentionFunction : torch::autograd::Function<ChunkedAttentionFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& key_keep, int64_t rows_per_block,
                               bool for_backward) {
    const int64_t B = q.size(0), Sq = q.size(1), H = q.size(2), D = q.size(3), Sk = k.size(1);
    // The softmax scale goes on q (Sq·D values) rather than on the scores (Sq·Sk).
    const torch::Tensor qs = q * (1.0 / std::sqrt(static_cast<double>(D)));
    const torch::Tensor bias = key_bias(key_keep, q.options());
    auto out = torch::empty({B, Sq, H, D}, q.options());
    const int64_t rows = std::min(Sq, rows_per_block);
    // For backward every block's probabilities are kept, one block after another (recomputing
    // them instead costs a fifth matrix product and the exponentials, which on the CPU is
    // slower than eager's stored softmax); otherwise one block's worth is reused.
    auto probabilities = torch::empty({for_backward ? B * Sq * H * Sk : H * rows * Sk}, q.options());
    for (int64_t b = 0; b < B; ++b) {
      const auto k_heads = k.select(0, b).permute({1, 2, 0}), v_heads = v.select(0, b).transpose(0, 1);
      for (int64_t start = 0; start < Sq; start += rows) {
        const int64_t n = std::min(rows, Sq - start);
        auto p = block_scores(probabilities, for_backward ? (b * Sq + start) * H * Sk : 0, rows_by_head(qs, b, start, n),
                              k_heads, bias, b);
        at::_softmax_out(p, p, 2, false);  // in place: the kernel reads each row before writing it
        auto out_block = rows_by_head(out, b, start, n);
        at::bmm_out(out_block, p, v_heads);
      }
    }
    if (for_backward) {
      ctx->save_for_backward({qs, k, v, out, probabilities});
      ctx->saved_data["rows"] = rows;
    }
    return out.view({B, Sq, H * D});
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &qs = saved[0], &k = saved[1], &v = saved[2], &out = saved[3], &probabilities = saved[4];
    const int64_t rows = ctx->saved_data["rows"].toInt();
    const int64_t B = qs.size(0), Sq = qs.size(1), H = qs.size(2), D = qs.size(3), Sk = k.size(1);
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    const auto grad_out = grads[0].reshape({B, Sq, H, D}).contiguous();
    const auto row_dot = (grad_out * out).sum(-1).transpose(1, 2);  // [B, H, Sq]: Σ_d dO·O per query row
    auto dq = torch::empty_like(qs), dk = torch::zeros_like(k), dv = torch::zeros_like(v);
    auto ds_buffer = torch::empty({H * rows * Sk}, qs.options());
    for (int64_t b = 0; b < B; ++b) {
      const auto k_heads = k.select(0, b).transpose(0, 1);       // [H, Sk, D]
      const auto v_heads_t = v.select(0, b).permute({1, 2, 0});  // [H, D, Sk]
      auto dk_heads = dk.select(0, b).transpose(0, 1), dv_heads = dv.select(0, b).transpose(0, 1);
      for (int64_t start = 0; start < Sq; start += rows) {
        const int64_t n = std::min(rows, Sq - start);
        const auto q_block = rows_by_head(qs, b, start, n), go_block = rows_by_head(grad_out, b, start, n);
        const auto p = block_of(probabilities, (b * Sq + start) * H * Sk, H, n, Sk);
        at::baddbmm_out(dv_heads, dv_heads, p.transpose(1, 2), go_block);  // dV += Pᵀ·dO
        // dS = P ⊙ (dO·Vᵀ − rowdot); dQ = scale·dS·K; dK += dSᵀ·(scale·Q).
        auto ds = block_of(ds_buffer, 0, H, n, Sk);
        at::bmm_out(ds, go_block, v_heads_t);
        ds.sub_(row_dot.select(0, b).narrow(1, start, n).unsqueeze(2)).mul_(p);
        auto dq_block = rows_by_head(dq, b, start, n);
        at::bmm_out(dq_block, ds, k_heads);
        dq_block.mul_(scale);
        at::baddbmm_out(dk_heads, dk_heads, ds.transpose(1, 2), q_block);
      }
    }
    return {dq, dk, dv, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor chunked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& key_keep, int64_t block_bytes) {
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || k.sizes() != v.sizes() || q.size(0) != k.size(0) ||
      q.size(2) != k.size(2) || q.size(3) != k.size(3))
    throw Error("attention", "expected q [B, Sq, H, D] and k, v [B, Sk, H, D], got " + c10::str(q.sizes()) + ", " +
                                 c10::str(k.sizes()) + ", " + c10::str(v.sizes()));
  if (key_keep.defined() && (key_keep.dim() != 2 || key_keep.size(0) != k.size(0) || key_keep.size(1) != k.size(1)))
    throw Error("attention", "key mask must be [B, Sk] = [" + std::to_string(k.size(0)) + ", " +
                                 std::to_string(k.size(1)) + "], got " + c10::str(key_keep.sizes()));
  // Under autocast (which does not reach into this function's kernels) q, k and v are taken in
  // the autocast dtype and the output given in it, as libtorch's attention does; the scores,
  // softmax and P·v are computed in float32 between, as CUDA's flash kernel keeps them (a score
  // rounded to bf16 moves by up to 2^-8 of itself: 0.06 at 30, 6% on its probability).
  const torch::DeviceType device = q.device().type();
  const std::optional<torch::ScalarType> dtype =
      compat::autocast_enabled(device) ? std::optional(compat::autocast_dtype(device)) : std::nullopt;
  const auto prepared = [&](const torch::Tensor& x) {
    const torch::Tensor cast = dtype ? x.to(*dtype).to(torch::kFloat32) : x;
    return cast.stride(-1) == 1 ? cast : cast.contiguous();  // rows contiguous
  };
  const torch::Tensor q_in = prepared(q), k_in = prepared(k), v_in = prepared(v);
  const int64_t rows =
      std::max<int64_t>(16, block_bytes / std::max<int64_t>(1, q.size(2) * k.size(1) * q_in.element_size()));
  // libtorch 1.x's custom functions take no undefined inputs: no mask travels as an empty one.
  const auto keep = key_keep.defined() ? key_keep.to(torch::kBool) : torch::empty({0}, q.options().dtype(torch::kBool));
  const bool for_backward =
      torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad());
  const torch::Tensor out = ChunkedAttentionFunction::apply(q_in, k_in, v_in, keep, rows, for_backward);
  return dtype ? out.to(*dtype) : out;
}

}  // namespace viva
