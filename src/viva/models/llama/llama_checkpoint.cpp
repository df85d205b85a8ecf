#include "viva/models/llama/llama_checkpoint.h"

#include <algorithm>

#include "viva/core/error.h"
#include "viva/core/strings.h"

namespace viva {
namespace {

// "…layers.12.…" after `prefix` -> 12, or -1.
int64_t layer_index(const std::string& name, const std::string& prefix) {
  const std::string head = prefix + "layers.";
  if (!starts_with(name, head)) return -1;
  try {
    return std::stoll(name.substr(head.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

LlamaLayout detect_llama_layout(const Checkpoint& checkpoint) {
  for (const std::string prefix : {"", "model.", "language_model.model.", "model.language_model."}) {
    if (!checkpoint.contains(prefix + "embed_tokens.weight")) continue;
    LlamaLayout layout;
    layout.decoder_prefix = prefix;
    const std::string head = prefix == "language_model.model." ? "language_model.lm_head.weight" : "lm_head.weight";
    if (checkpoint.contains(head)) layout.lm_head_name = head;
    for (const auto& name : checkpoint.names()) layout.num_layers = std::max(layout.num_layers, layer_index(name, prefix) + 1);
    return layout;
  }
  throw Error(checkpoint.path(), "no Llama decoder found (looked for embed_tokens.weight under the prefixes \"\", "
                                 "model., language_model.model., model.language_model.)");
}

WeightLoadReport load_llama(LlamaModel& model, const Checkpoint& checkpoint) {
  const LlamaLayout layout = detect_llama_layout(checkpoint);
  if (layout.num_layers < model->options.num_layers)
    throw Error(checkpoint.path(), "has " + std::to_string(layout.num_layers) + " decoder layers, the model needs " +
                                       std::to_string(model->options.num_layers));
  if (model->options.with_lm_head && layout.lm_head_name.empty())
    throw Error(checkpoint.path(), "has no lm_head but the model was built with one");
  const std::string prefix = layout.decoder_prefix;
  const int64_t layers = model->options.num_layers;
  const bool with_head = model->options.with_lm_head;
  WeightLoadOptions options;
  options.set_name_map([layout](const std::string& name) {
    return name == "lm_head.weight" ? layout.lm_head_name : layout.decoder_prefix + name;
  });
  options.set_ignore([prefix, layers, with_head, layout](const std::string& name) {
    if (name == layout.lm_head_name) return !with_head;
    if (!starts_with(name, prefix)) return true;  // another component of the file
    if (name.find("rotary_emb.inv_freq") != std::string::npos) return true;
    return layer_index(name, prefix) >= layers;
  });
  return load_weights(*model, checkpoint, options);
}

}  // namespace viva
