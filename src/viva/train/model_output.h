#pragma once
// What a training run leaves: a model folder equal to the one it started from but for the
// component it trained.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace viva {

// Copies the model folder `base` to `out` (hard links where possible), replacing the weights of
// the component folder `component` by `weights` (a safetensors file under the module's
// parameter names) and, when given, its config.json. `out` appears whole or not at all.
void write_model_with_component(const std::string& base, const std::string& component, const std::string& weights,
                                const std::string& out, const std::optional<nlohmann::json>& config = std::nullopt);

}  // namespace viva
