#pragma once
// A tiny model (tiny_model.h) and a condition cache of four encoded inversion pairs (three
// videos, one image; toy_pairs.h), made once per test suite: the fixture of the tests of dataset
// encoding, the trainers, the batch sampler and the flow-loss report.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "needs_shared.h"
#include "temp_dir.h"
#include "tiny_model.h"
#include "viva/data/toy_pairs.h"
#include "viva/pipeline/encode_dataset.h"
#include "viva/pipeline/viva_pipeline.h"

namespace viva::testing {

class EncodedPairsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!have_test_tokenizers()) return;
    dir_ = new TempDir();
    model_ = write_tiny_model(*dir_);
    VivaPipeline pipeline(model_, torch::kCPU, torch::kFloat32);
    EncodeDatasetOptions o;
    o.manifest = write_inversion_pairs(dir_->file("pairs"), 4);
    o.out = dir_->file("cache");
    o.shard_size = 3;
    o.progress.set_mode(ProgressMode::Silent);
    summary_ = encode_dataset(pipeline, o);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!dir_) VIVA_NEEDS_SHARED("test tokenizers");
  }
  inline static TempDir* dir_ = nullptr;
  inline static std::string model_;
  inline static EncodeSummary summary_;
};

// Copies the cache at `from` to `to` with the rows that `scene_wide` picks turned into background
// edits (the cache index's task), for tests of what the task changes.
inline void copy_cache_making_scene_wide(const std::string& from, const std::string& to,
                                         const std::function<bool(int64_t row)>& scene_wide) {
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
  std::ifstream in(to + "/index.jsonl");
  std::string line, text;
  for (int64_t row = 0; std::getline(in, line); ++row) {
    auto j = nlohmann::json::parse(line);
    if (scene_wide(row)) j["task"] = "background";
    text += j.dump() + "\n";
  }
  in.close();
  std::ofstream(to + "/index.jsonl") << text;
}

// Zeroes the DiT's parameters whose names start with `prefix` (a layer whose output is then 0).
inline void zero_transformer_parameters(VivaPipeline& pipeline, const std::string& prefix) {
  torch::NoGradGuard no_grad;
  for (auto& p : pipeline.transformer()->named_parameters())
    if (p.key().rfind(prefix, 0) == 0) p.value().zero_();
}

}  // namespace viva::testing
