#include "viva/models/llama/llama_options.h"

#include "viva/core/error.h"

namespace viva {

LlamaOptions LlamaOptions::llama3_8b() { return LlamaOptions().set_vocab_size(128320); }

LlamaOptions LlamaOptions::from_hf_config(const nlohmann::json& c, const std::string& source) {
  LlamaOptions o;
  try {
    o.vocab_size = c.at("vocab_size").get<int64_t>();
    o.hidden_size = c.at("hidden_size").get<int64_t>();
    o.intermediate_size = c.at("intermediate_size").get<int64_t>();
    o.num_layers = c.at("num_hidden_layers").get<int64_t>();
    o.num_heads = c.at("num_attention_heads").get<int64_t>();
    o.num_kv_heads = c.value("num_key_value_heads", o.num_heads);
    o.rms_norm_eps = c.value("rms_norm_eps", 1e-6);
    o.rope_theta = c.value("rope_theta", 10000.0);
    // transformers >= 5 writes RoPE settings as rope_parameters {rope_type, rope_theta, ...}.
    if (c.contains("rope_parameters") && c["rope_parameters"].is_object()) {
      const auto& rope = c["rope_parameters"];
      if (rope.value("rope_type", std::string("default")) != "default")
        throw Error(source, "rope_parameters.rope_type \"" + rope.value("rope_type", std::string()) +
                                "\" is not supported (Llama-3.0 uses \"default\")");
      o.rope_theta = rope.value("rope_theta", o.rope_theta);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(source, std::string("not a Llama config: ") + e.what());
  }
  if (c.contains("rope_scaling") && !c["rope_scaling"].is_null())
    throw Error(source, "rope_scaling is not supported (Llama-3.0 has none)");
  o.validate(source);
  return o;
}

nlohmann::json LlamaOptions::to_hf_config() const {
  return {{"model_type", "llama"}, {"vocab_size", vocab_size}, {"hidden_size", hidden_size},
          {"intermediate_size", intermediate_size}, {"num_hidden_layers", num_layers},
          {"num_attention_heads", num_heads}, {"num_key_value_heads", num_kv_heads},
          {"rms_norm_eps", rms_norm_eps}, {"rope_theta", rope_theta}, {"tie_word_embeddings", false}};
}

void LlamaOptions::validate(const std::string& source) const {
  if (vocab_size <= 0 || hidden_size <= 0 || intermediate_size <= 0 || num_layers <= 0 || num_heads <= 0 ||
      num_kv_heads <= 0)
    throw Error(source, "Llama sizes must be positive");
  if (hidden_size % num_heads != 0) throw Error(source, "hidden_size is not a multiple of num_attention_heads");
  if (num_heads % num_kv_heads != 0) throw Error(source, "num_attention_heads is not a multiple of num_key_value_heads");
  if (head_dim() % 2 != 0) throw Error(source, "head dimension must be even for RoPE");
}

}  // namespace viva
