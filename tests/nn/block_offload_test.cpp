#include "viva/nn/block_offload.h"

#include <gtest/gtest.h>

namespace viva {
namespace {

// Three Linear blocks run in order, with and without offloading.
struct Chain {
  std::vector<torch::nn::Linear> blocks;
  Chain() {
    torch::manual_seed(3);
    for (int i = 0; i < 3; ++i) blocks.emplace_back(8, 8);
  }
  std::vector<std::shared_ptr<torch::nn::Module>> modules() const {
    std::vector<std::shared_ptr<torch::nn::Module>> out;
    for (const auto& b : blocks) out.push_back(b.ptr());
    return out;
  }
};

TEST(BlockOffload, EachBlockRunsOnFreshCopiesAndGoesBackToItsHostTensors) {
  Chain chain;
  const torch::Tensor x = torch::randn({2, 8});
  torch::NoGradGuard no_grad;
  torch::Tensor resident = x;
  for (auto& b : chain.blocks) resident = b(resident);

  std::vector<const void*> before, host;
  for (auto& b : chain.blocks) before.push_back(b->weight.data_ptr());
  BlockOffload offload(chain.modules(), torch::kCPU);
  EXPECT_EQ(offload.size(), 3u);
  // The blocks now point at host copies of their own, in the offload's host memory.
  for (std::size_t i = 0; i < chain.blocks.size(); ++i) {
    host.push_back(chain.blocks[i]->weight.data_ptr());
    EXPECT_NE(host[i], before[i]);
  }
  EXPECT_GE(offload.host_bytes(), 3 * (8 * 8 + 8) * 4);
  torch::Tensor streamed = x;
  for (std::size_t i = 0; i < chain.blocks.size(); ++i) {
    const BlockOffload::Scope on_device(&offload, i);
    // The block runs on its device copy, not on the host tensor; the next one is already staged.
    EXPECT_NE(chain.blocks[i]->weight.data_ptr(), host[i]);
    EXPECT_EQ(offload.resident(), i + 1 < chain.blocks.size() ? 2u : 1u);
    streamed = chain.blocks[i](streamed);
  }
  EXPECT_TRUE(torch::equal(streamed, resident));  // bit-identical to the resident run
  EXPECT_EQ(offload.resident(), 0u);
  EXPECT_EQ(offload.peak_resident(), 2u);
  for (std::size_t i = 0; i < chain.blocks.size(); ++i) EXPECT_EQ(chain.blocks[i]->weight.data_ptr(), host[i]);
}

}  // namespace
}  // namespace viva
