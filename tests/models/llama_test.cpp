#include <gtest/gtest.h>

#include "../support/golden.h"
#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "viva/models/llama/llama_checkpoint.h"
#include "viva/models/llama/llama_model.h"

namespace viva {
namespace {

using testing::expect_close;
using testing::expect_error_containing;
using testing::golden_config;
using testing::golden_path;
using testing::TempDir;

class LlamaParity : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = golden_path("llama3_tiny.safetensors");
    if (path_.empty()) VIVA_NEEDS_SHARED("golden fixture llama3_tiny.safetensors");
    fixture_ = std::make_unique<Checkpoint>(path_);
    options_ = LlamaOptions::from_hf_config(golden_config(*fixture_), path_);
  }
  LlamaModel build(bool with_head, int64_t layers = -1) {
    LlamaOptions o = options_;
    o.with_lm_head = with_head;
    if (layers > 0) o.num_layers = layers;
    LlamaModel model(o);
    load_llama(model, *fixture_);
    model->eval();
    return model;
  }
  std::string path_;
  std::unique_ptr<Checkpoint> fixture_;
  LlamaOptions options_;
};

TEST_F(LlamaParity, HiddenStatesAndLogitsMatchMetaReference) {
  torch::NoGradGuard no_grad;
  LlamaModel model = build(true);
  const auto ids = fixture_->load("input.input_ids");
  const auto embeddings = model->embed(ids);
  for (int k = 1; k <= 3; ++k)
    expect_close(model->forward(embeddings, {}, {}, k, false), fixture_->load("output.hidden_after_layer_" + std::to_string(k)),
                 "hidden_after_layer_" + std::to_string(k));
  expect_close(model->logits(model->forward(embeddings)), fixture_->load("output.logits"), "logits");
}

TEST_F(LlamaParity, FewerLayersLoadFromTheFullCheckpoint) {
  torch::NoGradGuard no_grad;
  LlamaModel model = build(false, 2);  // as HunyuanVideo keeps 30 of 32 layers
  const auto ids = fixture_->load("input.input_ids");
  expect_close(model->forward(model->embed(ids), {}, {}, 2, false), fixture_->load("output.hidden_after_layer_2"),
               "hidden_after_layer_2 (2-layer model)");
}

TEST_F(LlamaParity, RightPaddingDoesNotChangeValidPositions) {
  torch::NoGradGuard no_grad;
  LlamaModel model = build(false);
  const auto ids = fixture_->load("input.input_ids");  // [1, N]
  const int64_t valid = ids.size(1), padding = 5;
  auto padded = torch::cat({ids, torch::zeros({1, padding}, torch::kInt64)}, 1);
  auto mask = torch::cat({torch::ones({1, valid}, torch::kInt64), torch::zeros({1, padding}, torch::kInt64)}, 1);
  auto batch = torch::cat({padded, padded}, 0);
  auto out = model->forward(model->embed(batch), torch::cat({mask, mask}, 0), {}, 3, false);
  expect_close(out.narrow(1, 0, valid).select(0, 1).unsqueeze(0), fixture_->load("output.hidden_after_layer_3"),
               "padded batch, valid positions");
  EXPECT_FALSE(out.isnan().any().item<bool>());
}

TEST_F(LlamaParity, LlavaLayoutsLoadTheSameWeights) {
  torch::NoGradGuard no_grad;
  TempDir dir;
  for (const auto& [prefix, head] : std::vector<std::pair<std::string, std::string>>{
           {"language_model.model.", "language_model.lm_head.weight"}, {"model.language_model.", "lm_head.weight"}, {"", ""}}) {
    std::vector<NamedTensor> tensors;
    for (const auto& name : fixture_->names()) {
      if (name.rfind("model.", 0) == 0) tensors.push_back({prefix + name.substr(6), fixture_->load(name)});
      if (name == "lm_head.weight" && !head.empty()) tensors.push_back({head, fixture_->load(name)});
    }
    if (!prefix.empty()) tensors.push_back({"vision_tower.vision_model.post_layernorm.weight", torch::ones({4})});  // ignored
    const std::string file = dir.file("llava.safetensors");
    std::filesystem::remove(file);
    save_safetensors(file, tensors);
    Checkpoint checkpoint(file);
    EXPECT_EQ(detect_llama_layout(checkpoint).decoder_prefix, prefix);
    LlamaModel model(options_);
    load_llama(model, checkpoint);
    expect_close(model->forward(model->embed(fixture_->load("input.input_ids")), {}, {}, 3, false),
                 fixture_->load("output.hidden_after_layer_3"), "hidden after layer 3 via prefix '" + prefix + "'");
  }
}

TEST_F(LlamaParity, LoadingErrorsNameTheProblem) {
  LlamaOptions wide = options_;
  wide.intermediate_size = 200;
  LlamaModel model(wide);
  expect_error_containing([&] { load_llama(model, *fixture_); }, {path_, "shape mismatches", "mlp.gate_proj.weight"});
  LlamaOptions deep = options_;
  deep.num_layers = 4;
  LlamaModel deeper(deep);
  expect_error_containing([&] { load_llama(deeper, *fixture_); }, {"has 3 decoder layers, the model needs 4"});
  TempDir dir;
  save_safetensors(dir.file("partial.safetensors"), {{"model.embed_tokens.weight", fixture_->load("model.embed_tokens.weight")}});
  LlamaModel fresh(options_);
  expect_error_containing([&] { load_llama(fresh, Checkpoint(dir.file("partial.safetensors"))); },
                          {"has 0 decoder layers"});
}

TEST(Llama, RejectsImpossibleConfigs) {
  expect_error_containing([] { LlamaOptions().set_num_heads(5).validate("cfg"); }, {"cfg", "multiple of num_attention_heads"});
  expect_error_containing([] { LlamaOptions::from_hf_config(nlohmann::json{{"hidden_size", 8}}, "config.json"); },
                          {"config.json", "not a Llama config"});
}

}  // namespace
}  // namespace viva
