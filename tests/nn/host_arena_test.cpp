// HostArena: host copies of many tensors in a few power-of-two chunks, placed first-fit, each
// copy a view of its tensor's dtype and shape holding its values; a model moving off its memory
// points each tensor at its copy as soon as it is made.
#include "viva/nn/host_arena.h"

#include <gtest/gtest.h>

#include "viva/core/error.h"

namespace viva {
namespace {

TEST(HostArena, PacksTensorsIntoFewPowerOfTwoChunks) {
  torch::manual_seed(5);
  // A double block's matrices in miniature (108, 72, 54 and 18 units), repeated, with the
  // vectors, an int tensor, a bool mask and a scalar between them.
  std::vector<torch::Tensor> tensors;
  for (int block = 0; block < 4; ++block) {
    for (const int64_t rows : {108, 72, 54, 18}) {
      tensors.push_back(torch::randn({rows, 512}).to(torch::kBFloat16));
      tensors.push_back(torch::randn({rows}));
    }
    tensors.push_back(torch::arange(7, torch::kInt64));
    tensors.push_back(torch::rand({5}) > 0.5);
    tensors.push_back(torch::tensor(3.5));
  }
  int64_t tensor_bytes = 0, one_by_one = 0;
  for (const auto& t : tensors) {
    const int64_t bytes = t.numel() * static_cast<int64_t>(t.element_size());
    tensor_bytes += bytes;
    int64_t rounded = 1;
    while (rounded < bytes) rounded *= 2;
    one_by_one += rounded;  // what a power-of-two allocator takes tensor by tensor
  }
  std::vector<std::size_t> placed;
  const HostArena arena = HostArena::holding(
      tensors, /*pinned=*/false, [&](std::size_t i, const torch::Tensor&) { placed.push_back(i); }, 256 << 10);
  ASSERT_EQ(arena.tensors().size(), tensors.size());
  ASSERT_EQ(placed.size(), tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const torch::Tensor& host = arena.tensors()[i];
    EXPECT_EQ(placed[i], i);
    EXPECT_EQ(host.scalar_type(), tensors[i].scalar_type());
    EXPECT_EQ(host.sizes(), tensors[i].sizes());
    EXPECT_TRUE(host.is_contiguous());
    EXPECT_TRUE(torch::equal(host, tensors[i])) << "tensor " << i;
    EXPECT_NE(host.data_ptr(), tensors[i].data_ptr());
    // 256-byte offsets in chunks that libtorch's CPU allocator aligns to 64 bytes.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(host.data_ptr()) % 64, 0u);
  }
  for (const int64_t c : arena.chunk_bytes()) EXPECT_EQ(c & (c - 1), 0) << c << " is not a power of two";
  // Measured: 4 chunks of 256 KiB (1.01x the tensors' bytes), where tensor by tensor a
  // power-of-two allocator takes 1.40x.
  EXPECT_LE(arena.allocated_bytes(), 1.1 * tensor_bytes) << tensor_bytes;
  EXPECT_GT(one_by_one, 1.3 * tensor_bytes);
}

TEST(HostArena, RefusesAChunkSizeThatIsNoPowerOfTwo) {
  EXPECT_THROW(HostArena::holding({torch::zeros({4})}, false, {}, 3000), Error);
}

}  // namespace
}  // namespace viva
