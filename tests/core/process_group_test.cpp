// A process group remembers a collective that failed on its rank, so that it ends by an abort
// (libtorch 2.7+) rather than a flush that could wait on a rank that is gone; its store barrier
// waits beyond the collectives' timeout (for a checkpoint that one rank writes).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "../support/loopback_ranks.h"
#include "../support/temp_dir.h"

namespace viva {
namespace {

TEST(ProcessGroup, RemembersACollectiveThatFailedOnItsRank) {
  std::vector<char> failed(2, -1);  // not vector<bool>: the ranks write beside each other
  const auto errors = testing::run_on_ranks(
      2,
      [&](int rank, ProcessGroup& group) {
        std::vector<torch::Tensor> t{torch::ones({4})};
        group.all_reduce_sum(t);
        EXPECT_EQ(t[0][0].item<float>(), 2.0f);
        EXPECT_FALSE(group.failed());
        if (rank == 1) {  // rank 0 never joins this one: it times out
          try {
            group.all_reduce_sum(t);
            ADD_FAILURE() << "an all-reduce that one rank never joined returned";
          } catch (const std::exception&) {
          }
        }
        failed[rank] = group.failed();
      },
      std::chrono::seconds(3));
  EXPECT_EQ(errors, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(failed, (std::vector<char>{false, true}));
}

// Rank 0 arrives after the collectives' timeout (2 s) has passed: a collective would have failed
// on rank 1, the store barrier waits, and the group works on.
TEST(ProcessGroup, StoreBarrierOutlastsTheCollectivesTimeout) {
  using Clock = std::chrono::steady_clock;
  double waited_s = 0;
  const auto errors = testing::run_on_ranks(
      2,
      [&](int rank, ProcessGroup& group) {
        const auto start = Clock::now();
        if (rank == 0) std::this_thread::sleep_for(std::chrono::seconds(3));
        group.store_barrier(std::chrono::seconds(60));
        if (rank == 1) waited_s = std::chrono::duration<double>(Clock::now() - start).count();
        std::vector<torch::Tensor> t{torch::ones({2})};
        group.all_reduce_sum(t);
        EXPECT_EQ(t[0][1].item<float>(), 2.0f);
        group.store_barrier(std::chrono::seconds(60));  // a second one needs both ranks again
      },
      std::chrono::seconds(2));
  EXPECT_EQ(errors, (std::vector<std::string>{"", ""}));
  EXPECT_GE(waited_s, 2.5);
}

TEST(ProcessGroup, StoreBarrierThatARankNeverReachesFailsInOneLine) {
  const auto errors = testing::run_on_ranks(
      2,
      [&](int rank, ProcessGroup& group) {
        if (rank == 1) group.store_barrier(std::chrono::seconds(1));
      },
      std::chrono::seconds(20));
  EXPECT_EQ(errors[0], "");
  EXPECT_NE(errors[1].find("rank 1 of 2: not every rank reached barrier"), std::string::npos) << errors[1];
  EXPECT_NE(errors[1].find("within 1 s"), std::string::npos) << errors[1];
  EXPECT_EQ(errors[1].find('\n'), std::string::npos) << errors[1];
}

// Each rank gets its block of the sum (here through Gloo, which on libtorch 1.13 has no
// reduce-scatter: the all-reduce it falls back to); NCCL reduce-scatters.
TEST(ProcessGroup, ReduceScatterGivesEachRankItsBlockOfTheSum) {
  std::vector<torch::Tensor> got(3);
  const auto errors = testing::run_on_ranks(3, [&](int rank, ProcessGroup& group) {
    for (int round = 0; round < 2; ++round) {  // the second after any fallback was chosen
      torch::Tensor input = torch::arange(6, torch::kFloat32) * (rank + 1) + round;
      got[rank] = group.reduce_scatter_sum(input).clone();
    }
    torch::Tensor odd = torch::ones({4});
    testing::expect_error_containing([&] { group.reduce_scatter_sum(odd); }, {"4 values", "3 ranks"});
  });
  EXPECT_EQ(errors, (std::vector<std::string>{"", "", ""}));
  const torch::Tensor sum = torch::arange(6, torch::kFloat32) * 6 + 3;  // ranks 1 + 2 + 3, round 1 each
  for (int rank = 0; rank < 3; ++rank) EXPECT_TRUE(torch::equal(got[rank], sum.narrow(0, 2 * rank, 2))) << rank;
}

}  // namespace
}  // namespace viva
