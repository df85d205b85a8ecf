// Data parallel with the all-reduce beside backward (DataParallel::overlap_with_backward), two
// ranks as threads: after two accumulated micro-batches each rank holds the mean over the ranks
// of their accumulated gradients; the buckets whose gradients the last backward completed were
// started during it; a parameter one rank did not use gets the other's gradient there too.
#include <gtest/gtest.h>

#include "../support/loopback_ranks.h"
#include "../support/temp_dir.h"
#include "viva/train/data_parallel.h"

namespace viva {
namespace {

struct RankModel {
  torch::nn::Linear used{4, 3}, unused_on_rank_1{4, 3};
  std::vector<torch::Tensor> parameters() const {  // the half rank 1 skips first: its buckets come last
    auto p = unused_on_rank_1->parameters();
    for (const auto& t : used->parameters()) p.push_back(t);
    return p;
  }
  torch::Tensor loss(const torch::Tensor& x, int rank) {
    auto l = used->forward(x).pow(2).sum();
    return rank == 0 ? l + unused_on_rank_1->forward(x).sum() : l;
  }
};

TEST(DataParallelOverlap, BucketsReduceDuringBackwardToTheRanksMean) {
  torch::manual_seed(4);
  std::vector<RankModel> models(2);
  {
    torch::NoGradGuard no_grad;
    const auto first = models[0].parameters(), second = models[1].parameters();
    for (std::size_t i = 0; i < first.size(); ++i) second[i].copy_(first[i]);
  }
  const std::vector<torch::Tensor> inputs = {torch::randn({2, 4}), torch::randn({2, 4}), torch::randn({2, 4}),
                                             torch::randn({2, 4})};  // rank r, micro-batch m: 2r + m

  // What the mean over the ranks is, by hand.
  std::vector<torch::Tensor> expected;
  for (const auto& p : models[0].parameters()) expected.push_back(torch::zeros_like(p));
  for (int rank = 0; rank < 2; ++rank) {
    RankModel copy;
    {
      torch::NoGradGuard no_grad;
      const auto from = models[0].parameters(), to = copy.parameters();
      for (std::size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
    }
    for (int m = 0; m < 2; ++m) copy.loss(inputs[2 * rank + m], rank).backward();
    const auto params = copy.parameters();
    for (std::size_t i = 0; i < params.size(); ++i)
      if (params[i].grad().defined()) expected[i] += params[i].grad() / 2;
  }

  std::vector<double> shares(2);
  const auto errors = testing::run_on_ranks(2, [&](int rank, ProcessGroup& group) {
    DataParallel reducer(group);
    const auto params = models[rank].parameters();
    reducer.overlap_with_backward(params, 16);  // about one tensor per bucket
    models[rank].loss(inputs[2 * rank], rank).backward();
    reducer.before_last_backward();
    models[rank].loss(inputs[2 * rank + 1], rank).backward();
    reducer.reduce({});
    shares[rank] = reducer.reduced_in_backward();
  });
  for (const std::string& error : errors) ASSERT_EQ(error, "");
  for (int rank = 0; rank < 2; ++rank) {
    const auto params = models[rank].parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
      ASSERT_TRUE(params[i].grad().defined()) << "rank " << rank << " parameter " << i;
      EXPECT_TRUE(torch::allclose(params[i].grad(), expected[i], 1e-6, 1e-6)) << "rank " << rank << " parameter " << i;
    }
  }
  EXPECT_EQ(shares[0], 1.0);  // every bucket started during backward
  EXPECT_EQ(shares[1], 0.5);  // the skipped half only after it, in the same order as on rank 0
}

// Whether a parameter has a gradient after the reduction is the same on every rank, as AdamW
// steps only those that have one: one whose gradient is exactly zero on rank 0 and absent on
// rank 1 has a zero gradient on both; one no rank used has none on either.
TEST(DataParallelOverlap, AParameterHasAGradientOnEveryRankOrOnNone) {
  std::vector<RankModel> models(2);
  std::vector<torch::nn::Linear> never_used{torch::nn::Linear(4, 3), torch::nn::Linear(4, 3)};
  const auto errors = testing::run_on_ranks(2, [&](int rank, ProcessGroup& group) {
    DataParallel reducer(group);
    auto params = models[rank].parameters();
    params.push_back(never_used[rank]->weight);
    reducer.overlap_with_backward(params, 16);
    reducer.before_last_backward();
    const torch::Tensor x = torch::ones({2, 4});
    auto loss = models[rank].used->forward(x).sum();
    if (rank == 0) loss = loss + 0.0 * models[rank].unused_on_rank_1->forward(x).sum();  // exactly zero gradient
    loss.backward();
    reducer.reduce({});
  });
  for (const std::string& error : errors) ASSERT_EQ(error, "");
  for (int rank = 0; rank < 2; ++rank) {
    for (const auto& p : models[rank].unused_on_rank_1->parameters()) {
      ASSERT_TRUE(p.grad().defined()) << "rank " << rank;
      EXPECT_EQ(p.grad().abs().max().item<double>(), 0.0);
    }
    EXPECT_TRUE(models[rank].used->weight.grad().defined());
    EXPECT_FALSE(never_used[rank]->weight.grad().defined()) << "rank " << rank;
  }
}

// Under a launcher, "cuda" becomes each rank's own GPU; an explicit "cuda:N" that every rank of
// a machine would read is refused unless each rank sees one GPU (or N is its own), since NCCL
// would fail later on a shared GPU.
TEST(LocalDevice, GivesEachRankOfAMachineItsOwnGpu) {
  LaunchEnvironment launch;
  launch.world_size = 4;
  launch.rank = launch.local_rank = 1;
  EXPECT_EQ(local_device("cuda", launch, 8), "cuda:1");
  EXPECT_EQ(local_device("cuda", launch, 1), "cuda:0");
  EXPECT_EQ(local_device("cuda:1", launch, 8), "cuda:1");
  EXPECT_EQ(local_device("cuda:0", launch, 1), "cuda:0");
  EXPECT_EQ(local_device("cpu", launch, 8), "cpu");
  testing::expect_error_containing([&] { local_device("cuda:0", launch, 8); }, {"device cuda:0", "LOCAL_RANK 1", "\"cuda\""});
  launch.local_rank = 9;
  testing::expect_error_containing([&] { local_device("cuda", launch, 8); }, {"LOCAL_RANK 9", "8 GPUs"});
  LaunchEnvironment alone;  // not launched: kept as given
  EXPECT_EQ(local_device("cuda:3", alone, 8), "cuda:3");
}

}  // namespace
}  // namespace viva
