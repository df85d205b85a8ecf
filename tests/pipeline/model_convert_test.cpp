#include <gtest/gtest.h>

#include <filesystem>

#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/core/checkpoint.h"
#include "viva/pipeline/model_convert.h"
#include "viva/pipeline/viva_pipeline.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

TEST(ModelConvert, Bf16FolderIsHalfTheSizeAndLoadsIntoFp32) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  const std::string model = testing::write_tiny_model(dir);
  const std::string small = dir.file("small");
  const ModelConvertSummary s = convert_model_dtype(model, small, torch::kBFloat16);
  EXPECT_EQ(s.files, 4);
  EXPECT_LT(s.bytes_after, s.bytes_before * 0.55);
  EXPECT_TRUE(std::filesystem::exists(small + "/tokenizer/tokenizer.json"));
  EXPECT_EQ(Checkpoint(small + "/transformer").entry("img_in.proj.weight").dtype, StDtype::BF16);

  const PipelineParts parts = PipelineParts::transformer_only();
  VivaPipeline original(model, torch::kCPU, torch::kFloat32, parts), converted(small, torch::kCPU, torch::kFloat32, parts);
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({1, 4, 3, 16, 16}), source = torch::randn({1, 4, 3, 16, 16});
  const auto tokens = torch::randn({1, 5, 32}), mask = torch::ones({1, 5}, torch::kInt64), pooled = torch::randn({1, 32});
  const auto t = torch::full({1}, 300.0);
  const auto a = original.velocity(x, t, source, {}, tokens, mask, pooled, 1.0);
  const auto b = converted.velocity(x, t, source, {}, tokens, mask, pooled, 1.0);
  EXPECT_EQ(b.scalar_type(), torch::kFloat32);
  EXPECT_LT((a - b).abs().max().item<double>(), 0.05 * a.abs().max().item<double>());
  EXPECT_GT((a - b).abs().max().item<double>(), 0.0);  // the weights really were rounded

  expect_error_containing([&] { convert_model_dtype(model, small, torch::kBFloat16); }, {"small", "exists"});
  expect_error_containing([&] { convert_model_dtype(dir.file("nothing"), dir.file("x"), torch::kBFloat16); },
                          {"nothing", "not a VIVA model folder"});
}

}  // namespace
}  // namespace viva
