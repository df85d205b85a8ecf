#pragma once
// A tiny VIVA model folder shared by a test suite (written once; about a second).
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "temp_dir.h"
#include "viva/pipeline/model_init.h"

namespace viva::testing {

inline std::string test_tokenizers() { return std::string(VIVA_SHARED_DIR) + "/tokenizers"; }

inline bool have_test_tokenizers() {
  return std::filesystem::exists(test_tokenizers() + "/llama3/tokenizer.json") &&
         std::filesystem::exists(test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz");
}

// Writes the tiny preset under `dir` and returns its path.
inline std::string write_tiny_model(const TempDir& dir, uint64_t seed = 0) {
  ModelInitOptions options;
  options.tokenizers = test_tokenizers();
  options.seed = seed;
  const std::string path = dir.file("model");
  write_initial_model(path, options);
  return path;
}

}  // namespace viva::testing
