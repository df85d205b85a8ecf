#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../support/encoded_pairs.h"
#include "viva/core/error.h"
#include "viva/eval/flow_loss_report.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

class FlowLossReportTest : public testing::EncodedPairsTest {};
using testing::copy_cache_making_scene_wide;
using testing::zero_transformer_parameters;

// With its output layer zeroed the DiT predicts v = 0, so its loss is E[(noise - x0)^2] at every
// noise level, with or without the instruction; the copy baseline is E[(x0 - source)^2], and its
// change from copying E[(noise - source)^2]. All are computed here from the cached tensors,
// inside and outside the mask separately.
TEST_F(FlowLossReportTest, SplitsTheErrorByTheEditMask) {
  VivaPipeline pipeline(model_, torch::kCPU, torch::kFloat32, PipelineParts::transformer_only());
  zero_transformer_parameters(pipeline, "final_layer.");
  const ConditionCache cache(dir_->file("cache"));
  FlowLossOptions o;
  o.sigmas = {0.3, 0.9};
  o.seed = 7;
  const FlowLossReport report = measure_flow_loss(pipeline, cache, o);
  ASSERT_EQ(report.samples, cache.size());
  ASSERT_TRUE(report.has_source);
  double zero_in = 0, zero_out = 0, copy_in = 0, copy_out = 0, change_in = 0, in = 0, out = 0;
  for (int64_t i = 0; i < cache.size(); ++i) {
    const CachedSample s = cache.load(i);
    torch::Generator g = at::detail::createCPUGenerator(o.seed + static_cast<uint64_t>(i));
    const auto x0 = s.target.unsqueeze(0);
    const auto noise = torch::randn(x0.sizes(), g, torch::kFloat32);
    const auto mask = s.mask.unsqueeze(0).expand_as(x0);
    const auto zero = (noise - x0).pow(2), copy = (x0 - s.source.unsqueeze(0)).pow(2);
    zero_in += (zero * mask).sum().item<double>(), zero_out += (zero * (1 - mask)).sum().item<double>();
    copy_in += (copy * mask).sum().item<double>(), copy_out += (copy * (1 - mask)).sum().item<double>();
    change_in += ((noise - s.source.unsqueeze(0)).pow(2) * mask).sum().item<double>();
    in += mask.sum().item<double>(), out += (1 - mask).sum().item<double>();
  }
  ASSERT_GT(in, 0);
  ASSERT_GT(out, 0);
  EXPECT_NEAR(report.mask_share, in / (in + out), 1e-9);
  for (const FlowLossRow& r : report.rows) {
    EXPECT_NEAR(r.model_inside, zero_in / in, 1e-4) << r.sigma;
    EXPECT_NEAR(r.model_outside, zero_out / out, 1e-4) << r.sigma;
    EXPECT_NEAR(r.unconditional_inside, zero_in / in, 1e-4) << r.sigma;
    EXPECT_NEAR(r.copy_inside, copy_in / in, 1e-5) << r.sigma;
    EXPECT_NEAR(r.copy_outside, copy_out / out, 1e-5) << r.sigma;
    EXPECT_NEAR(r.change_inside, change_in / in, 1e-4) << r.sigma;
    EXPECT_NEAR(r.unconditional_change_inside, change_in / in, 1e-4) << r.sigma;
  }
  EXPECT_GT(report.rows[0].copy_inside, 2 * report.rows[0].copy_outside);  // the pairs edit inside the mask
  EXPECT_NE(report.table().find("copy source"), std::string::npos);
  EXPECT_EQ(report.to_json()["rows"].size(), 2u);
  o.sigmas = {1.5};
  EXPECT_THROW(measure_flow_loss(pipeline, cache, o), Error);
}

// --tasks keeps the samples of the named tasks (the cache index's), each with the noise it has
// unfiltered, so a filtered report is the unfiltered one over fewer samples.
TEST_F(FlowLossReportTest, KeepsOnlyTheNamedTasks) {
  TempDir dir;
  copy_cache_making_scene_wide(dir_->file("cache"), dir.file("cache"), [](int64_t row) { return row == 1 || row == 2; });
  VivaPipeline pipeline(model_, torch::kCPU, torch::kFloat32, PipelineParts::transformer_only());
  const ConditionCache cache(dir.file("cache"));
  ASSERT_EQ(cache.size(), 4);
  EXPECT_EQ(cache.task(1), "background");
  FlowLossOptions o;
  o.sigmas = {0.6};
  const FlowLossReport all = measure_flow_loss(pipeline, cache, o);
  o.tasks = {"attribute"};
  const FlowLossReport objects = measure_flow_loss(pipeline, cache, o);
  o.tasks = {"background"};
  const FlowLossReport scenes = measure_flow_loss(pipeline, cache, o);
  EXPECT_EQ(objects.samples, 2);
  EXPECT_EQ(scenes.samples, 2);
  EXPECT_NE(scenes.table().find("tasks background"), std::string::npos);
  EXPECT_EQ(objects.to_json()["tasks"], nlohmann::json::array({"attribute"}));
  double copy_outside = 0, outside = 0;  // over rows 0 and 3, the ones still "attribute"
  for (const int64_t i : {0, 3}) {
    const CachedSample s = cache.load(i);
    const auto outside_mask = 1 - s.mask.expand_as(s.target);
    copy_outside += ((s.target - s.source).pow(2) * outside_mask).sum().item<double>();
    outside += outside_mask.sum().item<double>();
  }
  EXPECT_NEAR(objects.rows[0].copy_outside, copy_outside / outside, 1e-5);
  EXPECT_NE(objects.rows[0].copy_outside, all.rows[0].copy_outside);
  o.tasks = {"add"};
  expect_error_containing([&] { measure_flow_loss(pipeline, cache, o); }, {"no samples of the tasks add"});
  o.tasks = {"attribute", "background"};
  o.max_rows = 3;
  EXPECT_EQ(measure_flow_loss(pipeline, cache, o).samples, 3);
}

// --without tokens / pooled drop one path of the condition. With the pooled vector's embedder
// zeroed the pooled vector reaches nothing, so dropping it changes nothing and dropping the tokens
// is dropping the whole instruction.
TEST_F(FlowLossReportTest, DropsOnePathOfTheCondition) {
  VivaPipeline pipeline(model_, torch::kCPU, torch::kFloat32, PipelineParts::transformer_only());
  zero_transformer_parameters(pipeline, "vector_in.");
  const ConditionCache cache(dir_->file("cache"));
  FlowLossOptions o;
  o.sigmas = {0.9};
  const FlowLossReport whole = measure_flow_loss(pipeline, cache, o);
  o.drop = FlowLossOptions::Drop::pooled;
  const FlowLossReport pooled = measure_flow_loss(pipeline, cache, o);
  o.drop = FlowLossOptions::Drop::tokens;
  const FlowLossReport tokens = measure_flow_loss(pipeline, cache, o);
  const FlowLossRow &w = whole.rows[0], &p = pooled.rows[0], &t = tokens.rows[0];
  EXPECT_GT(std::abs(w.unconditional_inside - w.model_inside), 1e-6);  // the tokens do matter
  EXPECT_NEAR(p.unconditional_inside, p.model_inside, 1e-6);
  EXPECT_NEAR(p.unconditional_outside, p.model_outside, 1e-6);
  EXPECT_NEAR(t.unconditional_inside, w.unconditional_inside, 1e-6);
  EXPECT_NEAR(t.unconditional_change_inside, w.unconditional_change_inside, 1e-6);
  EXPECT_NE(tokens.table().find("drops only the instruction's tokens"), std::string::npos);
  EXPECT_EQ(pooled.to_json()["without"], "pooled");
  EXPECT_EQ(parse_flow_loss_drop("tokens"), FlowLossOptions::Drop::tokens);
  expect_error_containing([] { parse_flow_loss_drop("text"); }, {"'text'", "instruction, tokens or pooled"});
}

}  // namespace
}  // namespace viva
