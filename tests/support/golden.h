#pragma once
// Access to ../shared/golden fixtures and the parity comparison every model test uses.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <iomanip>
#include <sstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "viva/core/checkpoint.h"

namespace viva::testing {

// The fixture's path, or "" when absent (tests skip with a message then). Fixtures come from
// ../shared/golden, or from tests/golden for those the project made itself with the reference
// implementation (tools/gpu/, see tests/golden/README.md).
inline std::string golden_path(const std::string& name) {
  for (const std::string& folder : {std::string(VIVA_SHARED_DIR) + "/golden/", std::string(VIVA_PROJECT_GOLDEN_DIR) + "/"})
    if (std::filesystem::exists(folder + name)) return folder + name;
  return "";
}

inline nlohmann::json golden_config(const Checkpoint& fixture) {
  return nlohmann::json::parse(fixture.metadata().at("config"));
}

// Writes the fixture's model weights alone (not its input.*, output.* and inter.* tensors) to
// `path`, for the strict loaders, which reject unexpected tensors.
inline void save_fixture_weights(const Checkpoint& fixture, const std::string& path) {
  std::vector<NamedTensor> weights;
  for (const auto& name : fixture.names())
    if (name.rfind("input.", 0) != 0 && name.rfind("output.", 0) != 0 && name.rfind("inter.", 0) != 0)
      weights.push_back({name, fixture.load(name)});
  save_safetensors(path, weights);
}

// Parity: max |actual - expected| must stay within `relative` of max |expected|. Both errors are
// recorded as test properties (--gtest_output=xml shows them) and printed on failure.
inline void expect_close(const torch::Tensor& actual, const torch::Tensor& expected, const std::string& what,
                         double relative = 1e-4) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  auto a = actual.detach().to(torch::kCPU, torch::kFloat64);
  auto e = expected.detach().to(torch::kCPU, torch::kFloat64);
  const double max_abs = (a - e).abs().max().item<double>();
  const double scale = e.abs().max().item<double>();
  const double max_rel = max_abs / std::max(scale, 1e-30);
  std::ostringstream errors;
  errors << std::scientific << std::setprecision(3) << max_abs << " (relative " << max_rel << ")";
  ::testing::Test::RecordProperty(what + ".max_abs_error", errors.str());
  EXPECT_LE(max_abs, relative * scale + 1e-12)
      << what << ": max abs error " << max_abs << ", relative to max |expected| " << max_rel << " (bound "
      << relative << ")";
}

}  // namespace viva::testing
