// Fully sharded units (nn/sharded_units.h) on 1, 2 and 3 ranks (threads of this process over
// Gloo on loopback), for a unit shaped like a DiT block: matrices and vectors interleaved, with
// sizes no rank count divides, so that vectors straddle the ranks' shards.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "../support/loopback_ranks.h"
#include "viva/nn/sharded_units.h"

namespace viva {
namespace {

// Trained units under autocast gather their matrices in bf16 and their vectors (biases, norm
// weights) in float32: each parameter takes its float32 master's values (matrices rounded to
// bf16, vectors exact), wherever its elements lie among the shards; the gradients, arriving in
// those dtypes, reach each rank's shard in float32; gathering in float32 again gives the masters.
TEST(ShardedUnits, TrainedUnitsGatherTheirMatricesInBf16AndVectorsExactly) {
  const std::vector<std::vector<int64_t>> shapes = {{7, 5}, {7}, {3}, {4, 3, 2}, {11}, {2, 9}};
  torch::manual_seed(0);
  std::vector<torch::Tensor> masters;
  for (const auto& shape : shapes) masters.push_back(torch::randn(shape));
  for (const int world : {1, 2, 3}) {
    const auto errors = testing::run_on_ranks(world, [&](int rank, ProcessGroup& group) {
      std::vector<torch::Tensor> parameters;
      for (const auto& m : masters) parameters.push_back(m.clone().requires_grad_());
      ShardedUnits units({parameters}, world > 1 ? &group : nullptr);
      units.gather_matrices_in(torch::kBFloat16);
      units.gather(0);
      torch::Tensor loss = torch::zeros({});
      for (std::size_t i = 0; i < shapes.size(); ++i) {
        const torch::Tensor expected = shapes[i].size() > 1 ? masters[i].to(torch::kBFloat16) : masters[i];
        if (parameters[i].scalar_type() != expected.scalar_type() || !torch::equal(parameters[i], expected))
          throw std::runtime_error("rank " + std::to_string(rank) + ": parameter " + std::to_string(i) + " differs");
        loss = loss + (parameters[i].to(torch::kFloat32) * static_cast<double>(i + 1)).sum();
      }
      loss.backward();  // d loss / d parameter i = i + 1 everywhere, on every rank
      units.reduce_gradients(0);
      std::vector<torch::Tensor> expected_grad;
      for (std::size_t i = 0; i < shapes.size(); ++i)
        expected_grad.push_back(torch::full({masters[i].numel()}, static_cast<double>(i + 1)));
      torch::Tensor flat = torch::cat(expected_grad);
      const int64_t part = units.shard(0).numel();
      flat = torch::cat({flat, torch::zeros({part * world - flat.numel()})}).narrow(0, rank * part, part);
      if (!torch::equal(units.shard(0).grad(), flat)) throw std::runtime_error("rank " + std::to_string(rank) + ": gradient");

      units.release(0);
      units.gather_matrices_in(std::nullopt);
      units.gather(0);
      for (std::size_t i = 0; i < shapes.size(); ++i)
        if (!torch::equal(parameters[i], masters[i])) throw std::runtime_error("float32 parameter " + std::to_string(i));
    });
    for (const std::string& error : errors) EXPECT_EQ(error, "") << world << " ranks";
  }
}

// A unit gathered for a whole step (the embedders') takes several micro-batches' gradients. With
// its matrices in bf16, those would add up in bf16, where 1 + 2^-9 is 1; held in float32 between
// backwards, the shard's gradient is the exact sum. On 2 ranks, the mean of theirs.
TEST(ShardedUnits, GradientsOfSeveralBackwardsAddUpInFloat32) {
  const auto errors = testing::run_on_ranks(2, [&](int rank, ProcessGroup& group) {
    std::vector<torch::Tensor> parameters{torch::ones({4, 2}).requires_grad_(), torch::ones({3}).requires_grad_()};
    ShardedUnits units({parameters}, &group);
    units.gather_matrices_in(torch::kBFloat16);
    units.gather(0);
    for (const double weight : {1.0, std::ldexp(1.0, -9)}) {  // two micro-batches
      units.hold_gradients_in_float32(0);
      ((parameters[0].to(torch::kFloat32) + parameters[1].sum()) * weight).sum().backward();
    }
    units.reduce_gradients(0);
    // d/dmatrix = weight per micro-batch; d/dvector = 8 · weight; both ranks alike.
    const double step = 1.0 + std::ldexp(1.0, -9);
    const torch::Tensor expected =
        torch::cat({torch::full({8}, step), torch::full({3}, 8 * step), torch::zeros({1})}).narrow(0, rank * 6, 6);
    if (!torch::equal(units.shard(0).grad(), expected))
      throw std::runtime_error("rank " + std::to_string(rank) + ": gradient " + c10::str(units.shard(0).grad()));
  });
  for (const std::string& error : errors) EXPECT_EQ(error, "");
}

}  // namespace
}  // namespace viva
