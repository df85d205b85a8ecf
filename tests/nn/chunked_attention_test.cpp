// The blockwise CPU attention against the composite softmax(q·kᵀ/√D)·v: outputs and the
// gradients of q, k and v, with blocks smaller than the query count (several per head, the last
// one short), two samples with different key masks, inputs read through strides, and Sq ≠ Sk.
#include <gtest/gtest.h>

#include <cmath>

#include "../support/golden.h"
#include "viva/core/compat.h"
#include "viva/core/error.h"
#include "viva/nn/chunked_attention.h"

namespace viva {
namespace {

using testing::expect_close;

// The plain computation on [B, S, H, D] inputs, in their dtype (float64 here).
torch::Tensor composite(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& keep) {
  auto scores = torch::matmul(q.transpose(1, 2), k.transpose(1, 2).transpose(-2, -1)) / std::sqrt(double(q.size(-1)));
  scores = scores.masked_fill(keep.logical_not().view({keep.size(0), 1, 1, keep.size(1)}), -INFINITY);
  return torch::matmul(torch::softmax(scores, -1), v.transpose(1, 2)).transpose(1, 2).flatten(2);
}

TEST(ChunkedAttention, MatchesTheCompositeInOutputAndGradients) {
  torch::manual_seed(3);
  const int64_t B = 2, Sq = 37, Sk = 29, H = 3, D = 8;
  // q and k as strided views of a fused projection, v contiguous.
  const auto fused = torch::randn({B, Sq, 2, H, D}, torch::kFloat64).requires_grad_();
  const auto keys = torch::randn({B, Sk, H, D}, torch::kFloat64).requires_grad_();
  const auto values = torch::randn({B, Sk, H, D}, torch::kFloat64).requires_grad_();
  auto keep = torch::ones({B, Sk}, torch::kBool);
  keep[1].narrow(0, 20, Sk - 20).fill_(false);  // sample 1 attends to its first 20 keys only
  const auto target = torch::randn({B, Sq, H * D}, torch::kFloat64);

  for (const int64_t block_bytes : {int64_t(16 * H * Sk * 8), int64_t(1) << 20}) {  // 16-row blocks (37 = 16+16+5), one block
    SCOPED_TRACE("block bytes " + std::to_string(block_bytes));
    std::vector<torch::Tensor> grads[2];
    torch::Tensor outputs[2];
    for (int path = 0; path < 2; ++path) {
      const auto q = fused.select(2, 0);
      outputs[path] = path == 0 ? composite(q, keys, values, keep) : chunked_attention(q, keys, values, keep, block_bytes);
      (outputs[path] * target).sum().backward();
      grads[path] = {fused.grad().select(2, 0).clone(), keys.grad().clone(), values.grad().clone()};
      for (const auto& t : {fused, keys, values}) t.mutable_grad().zero_();
    }
    expect_close(outputs[1], outputs[0], "output", 1e-12);
    expect_close(grads[1][0], grads[0][0], "dq", 1e-12);
    expect_close(grads[1][1], grads[0][1], "dk", 1e-12);
    expect_close(grads[1][2], grads[0][2], "dv", 1e-12);
    // Masked keys get no gradient; without grad mode the same output comes out.
    EXPECT_EQ(grads[1][1][1].narrow(0, 20, Sk - 20).abs().max().item<double>(), 0.0);
    torch::NoGradGuard no_grad;
    expect_close(chunked_attention(fused.select(2, 0), keys, values, keep, block_bytes), outputs[0], "no-grad output", 1e-12);
  }
}

// Under bf16 autocast the inputs and output are bf16, but the scores stay float32: with logits
// near 30 (where bf16's spacing is 0.125) rounding them would move probabilities by up to 6%.
TEST(ChunkedAttention, UnderAutocastKeepsScoresAndSoftmaxInFloat32) {
  torch::manual_seed(4);
  const int64_t B = 1, S = 24, H = 2, D = 16;
  const auto q = (torch::randn({B, S, H, D}) * 2.5).requires_grad_();
  const auto k = (torch::randn({B, S, H, D}) * 2.5).requires_grad_();
  const auto v = torch::randn({B, S, H, D}).requires_grad_();
  const auto rounded = [](const torch::Tensor& x) { return x.detach().to(torch::kBFloat16).to(torch::kFloat64); };
  const auto keep = torch::ones({B, S}, torch::kBool);
  std::vector<torch::Tensor> exact{rounded(q).requires_grad_(), rounded(k).requires_grad_(), rounded(v).requires_grad_()};
  const auto expected = composite(exact[0], exact[1], exact[2], keep);
  expected.sum().backward();
  const double largest_logit =
      (torch::matmul(rounded(q).transpose(1, 2), rounded(k).transpose(1, 2).transpose(-2, -1)) / std::sqrt(double(D)))
          .abs()
          .max()
          .item<double>();
  ASSERT_GT(largest_logit, 16.0);  // where bf16's spacing is 2^-3 or more
  torch::Tensor out;
  {
    const compat::AutocastGuard autocast(torch::kCPU, torch::kBFloat16);
    out = chunked_attention(q, k, v, keep, 16 * H * S * 4);  // two blocks of 16 and 8 rows
  }
  EXPECT_EQ(out.scalar_type(), torch::kBFloat16);
  // Within bf16's rounding of the output, 2^-8 (measured 2.6e-3; 1.0e-2 with bf16 scores).
  expect_close(out, expected, "output", std::ldexp(1.0, -8));
  // The gradients, float32 within, reach the inputs through their bf16 rounding: 2^-7.
  out.to(torch::kFloat32).sum().backward();
  expect_close(q.grad(), exact[0].grad(), "dq", std::ldexp(1.0, -7));
  expect_close(k.grad(), exact[1].grad(), "dk", std::ldexp(1.0, -7));
  expect_close(v.grad(), exact[2].grad(), "dv", std::ldexp(1.0, -7));
}

TEST(ChunkedAttention, RejectsMismatchedShapes) {
  const auto x = torch::zeros({1, 4, 2, 8});
  EXPECT_THROW(chunked_attention(x, torch::zeros({1, 4, 3, 8}), torch::zeros({1, 4, 3, 8})), Error);
  EXPECT_THROW(chunked_attention(x, x, x, torch::ones({1, 5}, torch::kBool)), Error);
}

}  // namespace
}  // namespace viva
