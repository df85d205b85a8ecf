#include "viva/core/device.h"

#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "viva/core/compat.h"
#include "viva/nn/seeded_random.h"

namespace viva {
namespace {

using testing::expect_error_containing;

TEST(Device, ParsesDevicesAndDtypes) {
  EXPECT_EQ(parse_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_EQ(parse_compute_dtype("fp32"), torch::kFloat32);
  EXPECT_EQ(parse_compute_dtype("bf16"), torch::kBFloat16);
  EXPECT_EQ(parse_compute_dtype("float16"), torch::kFloat16);
  EXPECT_EQ(dtype_label(torch::kBFloat16), "bf16");
  // "auto": bf16 on CUDA, fp32 on the CPU (a torch::Device needs no GPU to exist).
  EXPECT_EQ(parse_compute_dtype("auto", torch::Device(torch::kCUDA, 0)), torch::kBFloat16);
  EXPECT_EQ(parse_compute_dtype("auto", torch::kCPU), torch::kFloat32);
  EXPECT_EQ(parse_compute_dtype("fp16", torch::kCPU), torch::kFloat16);  // named: as named
  expect_error_containing([] { parse_compute_dtype("auto"); }, {"--dtype auto", "expected fp32, bf16 or fp16"});
  expect_error_containing([] { parse_compute_dtype("fp8", torch::kCPU); }, {"--dtype fp8", "expected auto, fp32"});
  expect_error_containing([] { parse_device("gpu"); }, {"--device gpu", "expected cpu, cuda"});
  expect_error_containing([] { parse_compute_dtype("fp8"); }, {"--dtype fp8", "expected fp32, bf16 or fp16"});
  expect_error_containing([] { check_device_dtype(torch::kCPU, torch::kFloat16); }, {"not supported on CPU"});
  if (!torch::cuda::is_available()) {
    expect_error_containing([] { parse_device("cuda"); }, {"CUDA is not available"});
    expect_error_containing([] { parse_device("cuda:1"); }, {"CUDA is not available"});
  } else {
    expect_error_containing([] { parse_device("cuda:x"); }, {"expected cuda:<index>"});
    expect_error_containing([] { parse_device("cuda:99"); }, {"CUDA devices"});
  }
}

TEST(Device, ConfiguresThreads) {
  const int before = at::get_num_threads();
  configure_cpu_threads(1);
  EXPECT_EQ(at::get_num_threads(), 1);
  configure_cpu_threads(before);
}

TEST(Compat, AttentionMatchesTheDefinition) {
  torch::manual_seed(1);
  auto q = torch::randn({2, 3, 5, 8}), k = torch::randn({2, 3, 7, 8}), v = torch::randn({2, 3, 7, 8});
  auto reference = torch::matmul(torch::softmax(torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(8.0), -1), v);
  EXPECT_TRUE(torch::allclose(compat::scaled_dot_product_attention(q, k, v), reference, 1e-5, 1e-5));

  // Boolean mask (true = attend) and the equivalent additive mask agree.
  auto keep = torch::rand({1, 1, 5, 7}) > 0.3;
  keep.index_put_({"...", 0}, true);  // every query sees at least one key
  auto additive = torch::zeros({1, 1, 5, 7}).masked_fill(keep.logical_not(), -1e9);
  auto masked = compat::scaled_dot_product_attention(q, k, v, keep);
  EXPECT_TRUE(torch::allclose(masked, compat::scaled_dot_product_attention(q, k, v, additive), 1e-5, 1e-5));
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(8.0) + additive;
  EXPECT_TRUE(torch::allclose(masked, torch::matmul(torch::softmax(scores, -1), v), 1e-5, 1e-5));

  // Causal: the first query sees only the first key.
  auto qs = torch::randn({1, 1, 4, 8}), ks = torch::randn({1, 1, 4, 8}), vs = torch::randn({1, 1, 4, 8});
  auto causal = compat::scaled_dot_product_attention(qs, ks, vs, {}, true);
  EXPECT_TRUE(torch::allclose(causal.index({0, 0, 0}), vs.index({0, 0, 0}), 1e-5, 1e-5));
}

TEST(Compat, AutocastGuardRestoresState) {
  const bool before = compat::set_autocast(torch::kCPU, false);
  {
    compat::AutocastGuard guard(torch::kCPU, torch::kBFloat16);
    auto a = torch::randn({4, 4}), b = torch::randn({4, 4});
    EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kBFloat16);
  }
  EXPECT_EQ(torch::matmul(torch::randn({2, 2}), torch::randn({2, 2})).scalar_type(), torch::kFloat32);
  compat::set_autocast(torch::kCPU, before);
}

TEST(Seeding, SameSeedSameNumbers) {
  seed_everything(42);
  auto a = torch::randn({8});
  seed_everything(42);
  EXPECT_TRUE(torch::equal(a, torch::randn({8})));
}

}  // namespace
}  // namespace viva
