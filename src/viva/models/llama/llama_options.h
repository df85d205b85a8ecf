#pragma once
// Llama decoder configuration: Hugging Face LlamaConfig's fields that change the computation.
#include <nlohmann/json.hpp>
#include <string>

namespace viva {

struct LlamaOptions {
  int64_t vocab_size = 128256;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 14336;
  int64_t num_layers = 32;
  int64_t num_heads = 32;
  int64_t num_kv_heads = 8;
  double rms_norm_eps = 1e-5;
  double rope_theta = 500000.0;
  bool with_lm_head = false;  // only the hidden states are needed to condition the DiT

  int64_t head_dim() const { return hidden_size / num_heads; }

  LlamaOptions& set_vocab_size(int64_t v) { vocab_size = v; return *this; }
  LlamaOptions& set_hidden_size(int64_t v) { hidden_size = v; return *this; }
  LlamaOptions& set_intermediate_size(int64_t v) { intermediate_size = v; return *this; }
  LlamaOptions& set_num_layers(int64_t v) { num_layers = v; return *this; }
  LlamaOptions& set_num_heads(int64_t v) { num_heads = v; return *this; }
  LlamaOptions& set_num_kv_heads(int64_t v) { num_kv_heads = v; return *this; }
  LlamaOptions& set_rms_norm_eps(double v) { rms_norm_eps = v; return *this; }
  LlamaOptions& set_rope_theta(double v) { rope_theta = v; return *this; }
  LlamaOptions& set_with_lm_head(bool v) { with_lm_head = v; return *this; }

  // Llama-3-8B as in xtuner/llava-llama-3-8b-v1_1-transformers (vocabulary 128320 with
  // LLaVA's extra tokens).
  static LlamaOptions llama3_8b();
  // From a Hugging Face config.json object (LlamaConfig keys); unknown keys are ignored since
  // HF configs carry many unrelated fields, but the ones we need must be present.
  static LlamaOptions from_hf_config(const nlohmann::json& config, const std::string& source);
  nlohmann::json to_hf_config() const;
  // Throws viva::Error naming `source` when the numbers cannot form a model.
  void validate(const std::string& source) const;
};

}  // namespace viva
