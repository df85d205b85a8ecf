// Ulysses sequence parallelism: a DiT whose image tokens are split over two ranks (two threads of
// this process, each with its own Gloo process group on loopback) returns, on each rank, the
// output of the unsplit DiT, and the ranks' gradients sum to its gradients: with a token count
// the ranks do not divide (padding), a clean reference frame whose tokens lie in one shard only,
// a padded text batch (key mask), and with activation checkpointing (collectives recomputed in
// backward).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "../support/loopback_ranks.h"
#include "viva/core/compat.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/nn/sequence_parallel.h"

namespace viva {
namespace {

struct RankResult {
  torch::Tensor out;
  std::map<std::string, torch::Tensor> grads;
};

DitInput inputs() {
  torch::manual_seed(7);
  DitInput in;
  // 2 latent frames of 3 x 3 tokens after a clean reference frame: 27 tokens, 14 + 13 on two ranks.
  in.x = torch::randn({2, 4, 2, 6, 6});
  in.source = torch::randn({2, 4, 2, 6, 6});
  in.reference = torch::randn({2, 4, 1, 6, 6});
  in.t = torch::tensor({300.0f, 800.0f});
  in.text = torch::randn({2, 5, 32});
  in.text_mask = torch::tensor({1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, torch::kInt64).view({2, 5});
  in.pooled = torch::randn({2, 16});
  return in;
}

RankResult forward_backward(HunyuanDit& dit, const DitInput& in, const torch::Tensor& weights, bool autocast) {
  const compat::AutocastGuard mixed_precision(torch::kCPU, torch::kBFloat16, autocast);  // per thread
  RankResult r;
  r.out = dit->forward(in).to(torch::kFloat32);
  (r.out * weights).sum().backward();
  for (const auto& p : dit->named_parameters()) r.grads[p.key()] = p.value().grad().clone();
  r.out = r.out.detach();
  return r;
}

double relative(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).norm() / b.norm().clamp_min(1e-12)).item<double>();
}

// Also under bf16 autocast, whose activations the all-to-alls carry as bytes (Gloo moves no
// bf16); the ranks then agree with the whole DiT to bf16's rounding (measured: 0.4% in the
// output, 1.3% in the worst gradient).
TEST(SequenceParallel, SplitDitEqualsTheWholeOneInOutputAndSummedGradients) {
  DitOptions o = DitOptions::tiny();
  o.context_projector = true;
  torch::manual_seed(1);
  HunyuanDit whole(o);
  const DitInput in = inputs();
  const torch::Tensor weights = torch::randn({2, 4, 2, 6, 6});

  for (const bool autocast : {false, true}) {
    const RankResult expected = forward_backward(whole, in, weights, autocast);
    whole->zero_grad();
    const double out_tolerance = autocast ? 1e-2 : 1e-5, grad_tolerance = autocast ? 3e-2 : 1e-5;
    for (const bool checkpointing : {false, true}) {
      std::vector<HunyuanDit> dits;
      for (int rank = 0; rank < 2; ++rank) {
        dits.push_back(HunyuanDit(o));
        torch::NoGradGuard no_grad;
        const auto from = whole->named_parameters();
        for (auto& p : dits.back()->named_parameters()) p.value().copy_(from[p.key()]);
        dits.back()->activation_checkpointing = checkpointing;
      }
      std::vector<RankResult> ranks(2);
      const auto errors = testing::run_on_ranks(2, [&](int rank, ProcessGroup& group) {
        dits[rank]->split_sequence(std::make_shared<SequenceParallel>(group));
        ranks[rank] = forward_backward(dits[rank], in, weights, autocast);
      });
      const std::string run = std::string(autocast ? "bf16" : "fp32") + (checkpointing ? ", checkpointing" : "");
      for (const std::string& error : errors) ASSERT_EQ(error, "") << run;
      for (const RankResult& r : ranks) EXPECT_LT(relative(r.out, expected.out), out_tolerance) << run;
      for (const auto& [name, grad] : expected.grads)
        EXPECT_LT(relative(ranks[0].grads.at(name) + ranks[1].grads.at(name), grad), grad_tolerance) << name << ", " << run;
    }
  }
}

TEST(SequenceParallel, RanksMustDivideTheHeads) {
  DitOptions o = DitOptions::tiny();  // 2 heads
  o.heads = 1;
  o.hidden_size = 32;
  o.rope_dims = {8, 12, 12};
  HunyuanDit dit(o);
  const auto errors = testing::run_on_ranks(2, [&](int rank, ProcessGroup& group) {
    if (rank == 0) dit->split_sequence(std::make_shared<SequenceParallel>(group));
  });
  EXPECT_NE(errors[0].find("head count they divide (1 heads)"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace viva
