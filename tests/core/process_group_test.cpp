// A process group remembers a collective that failed on its rank, so that it ends by an abort
// (libtorch 2.7+) rather than a flush that could wait on a rank that is gone.
#include <gtest/gtest.h>

#include <vector>

#include "../support/loopback_ranks.h"

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

}  // namespace
}  // namespace viva
