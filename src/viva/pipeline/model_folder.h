#pragma once
// A VIVA model folder (the layout is in viva_model_config.h) and the one place that walks one:
// the components' paths and configs, each component loaded on its own in a dtype on a device,
// and a copy of the folder with one component replaced (what every training run leaves).
//
//   const ModelFolder model("models/shapes");
//   CausalVae vae = model.load_vae(torch::kCPU, torch::kFloat32);
//   model.write_with_component(ModelComponent::Vae, "runs/vae/model",
//                              [&](const std::string& weights) { save_parameters(*vae, weights); });
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "viva/models/clip/clip_model.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/models/llava/llava_model.h"
#include "viva/models/vae/causal_vae.h"
#include "viva/pipeline/viva_model_config.h"
#include "viva/tokenizers/bpe_tokenizer.h"
#include "viva/tokenizers/clip_tokenizer.h"

namespace viva {

enum class ModelComponent { Transformer, Vae, Instructor, ClipText };

// A component folder in the diffusers layout (config.json and safetensors), wherever it lies:
// the config and the module loaded from it, in eval mode, on `device` in `dtype`.
VaeOptions read_vae_options(const std::string& folder);
CausalVae load_vae_folder(const std::string& folder, torch::Device device, torch::ScalarType dtype);

class ModelFolder {
 public:
  // Reads <path>/viva.json; errors name the folder or the file.
  explicit ModelFolder(std::string path);

  const std::string& path() const { return path_; }
  const VivaModelConfig& config() const { return config_; }
  // <path>/<the component's sub-folder>, and the tokenizers' files.
  std::string component_path(ModelComponent component) const;
  std::string tokenizer_path() const;
  std::string clip_tokenizer_path() const;

  // The components' configs (config.json; an error names it when missing or wrong).
  DitOptions transformer_options() const;
  VaeOptions vae_options() const;
  LlavaOptions instructor_options() const;
  ClipTextOptions clip_options() const;

  // Each component alone, in eval mode, on `device` in `dtype`. The transformer is built as
  // `options` when given (e.g. with the context projector added) instead of its config.json,
  // and with `autocast_weights` holds its linear and convolution weights in that dtype (frozen
  // under autocast: nn/autocast_weights.h), its matrices never in `dtype`.
  HunyuanDit load_transformer(torch::Device device, torch::ScalarType dtype, const DitLoadOptions& load = {},
                              const std::optional<DitOptions>& options = std::nullopt,
                              std::optional<torch::ScalarType> autocast_weights = std::nullopt) const;
  CausalVae load_vae(torch::Device device, torch::ScalarType dtype) const;
  LlavaModel load_instructor(torch::Device device, torch::ScalarType dtype) const;
  ClipTextTransformer load_clip(torch::Device device, torch::ScalarType dtype) const;
  BpeTokenizer load_tokenizer() const;
  ClipTokenizer load_clip_tokenizer() const;

  // Whether viva.json names the component by an absolute path or one leading out of the folder
  // (a folder built from released weights references them instead of copying).
  bool is_referenced(ModelComponent component) const;

  // Writes `out`: this folder (hard links where possible) with `component`'s weights replaced by
  // the safetensors file `write_weights(path)` writes and, when given, its config.json by
  // `config`. A referenced component is left where it is; the copy gets its own. `out` appears
  // whole or not at all.
  void write_with_component(ModelComponent component, const std::string& out,
                            const std::function<void(const std::string& weights)>& write_weights,
                            const std::optional<nlohmann::json>& config = std::nullopt) const;

  // Writes `out`: this folder (hard links where possible) with its viva.json replaced by `config`.
  void write_with_config(const std::string& out, const VivaModelConfig& config) const;

 private:
  const std::string& component_name(ModelComponent component) const;  // its sub-folder
  nlohmann::json component_config(ModelComponent component, std::string* where) const;

  std::string path_;
  VivaModelConfig config_;
};

}  // namespace viva
