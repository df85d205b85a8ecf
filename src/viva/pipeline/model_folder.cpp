#include "viva/pipeline/model_folder.h"

#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/models/clip/clip_checkpoint.h"
#include "viva/models/vae/vae_checkpoint.h"
#include "viva/nn/autocast_weights.h"
#include "viva/nn/undrawn_layers.h"
#include "viva/nn/weight_loading.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

nlohmann::json config_in(const std::string& folder, std::string* where) {
  *where = (fs::path(folder) / "config.json").string();
  if (!fs::exists(*where)) throw file_error(*where, "missing (every model component has a config.json)");
  return load_json_file(*where);
}

// A module built from `options` directly in `dtype` (under a DefaultDtypeGuard, so a bf16 model
// never exists in float32 on the host) and without drawing initial weights it would overwrite,
// filled from the checkpoint in `folder` by `load`, then on `device` in eval mode. A tensor the
// load allows to be missing has no defined value: the load sets it (as load_dit does). With
// `autocast_weights`, its linear and convolution weights are held in that dtype instead, the
// matrices from the start (autocast_weights.h).
template <class Module, class Options, class Load>
Module built_and_loaded(const Options& options, const std::string& folder, torch::Device device,
                        torch::ScalarType dtype, const Load& load,
                        std::optional<torch::ScalarType> autocast_weights = std::nullopt) {
  torch::NoGradGuard no_grad;
  Module module = [&] {
    const DefaultDtypeGuard built_in(dtype);
    const BuildDeviceGuard built_on(device);  // block by block: the host never holds the whole model
    const SkipInitialisersGuard undrawn;
    std::optional<MatrixDtypeGuard> matrices_in;
    if (autocast_weights) matrices_in.emplace(*autocast_weights);
    return Module(options);
  }();
  load(module, Checkpoint(folder));  // each tensor converted to its parameter's dtype
  if (autocast_weights) {
    module->to(device);
    hold_autocast_weights_in(*module, *autocast_weights);  // the few convolutions, built drawn
  } else {
    module->to(device, dtype);
  }
  module->eval();
  return module;
}

// The viva.json entry naming a component's folder.
template <class Config>
auto& component_field(Config& config, ModelComponent component) {
  switch (component) {
    case ModelComponent::Transformer:
      return config.transformer;
    case ModelComponent::Vae:
      return config.vae;
    case ModelComponent::Instructor:
      return config.vlm;
    case ModelComponent::ClipText:
      break;
  }
  return config.clip_text;
}

// Whether a viva.json entry names a folder inside the model folder (not an absolute path or
// one leading out of it, as a folder built from released weights references them).
bool inside_folder(const std::string& entry) {
  const fs::path p(entry);
  return !p.is_absolute() && !p.empty() && *p.lexically_normal().begin() != "..";
}

}  // namespace

VaeOptions read_vae_options(const std::string& folder) {
  std::string where;
  const nlohmann::json json = config_in(folder, &where);
  return VaeOptions::from_json(json, where);
}

CausalVae load_vae_folder(const std::string& folder, torch::Device device, torch::ScalarType dtype) {
  return built_and_loaded<CausalVae>(read_vae_options(folder), folder, device, dtype,
                                     [](CausalVae& vae, const Checkpoint& c) { load_vae(vae, c); });
}

ModelFolder::ModelFolder(std::string path) : path_(std::move(path)), config_(VivaModelConfig::read(path_)) {}

const std::string& ModelFolder::component_name(ModelComponent component) const {
  return component_field(config_, component);
}

bool ModelFolder::is_referenced(ModelComponent component) const { return !inside_folder(component_name(component)); }

std::string ModelFolder::component_path(ModelComponent component) const {
  return (fs::path(path_) / component_name(component)).string();
}

std::string ModelFolder::tokenizer_path() const { return (fs::path(path_) / config_.tokenizer).string(); }
std::string ModelFolder::clip_tokenizer_path() const { return (fs::path(path_) / config_.clip_tokenizer).string(); }

nlohmann::json ModelFolder::component_config(ModelComponent component, std::string* where) const {
  return config_in(component_path(component), where);
}

DitOptions ModelFolder::transformer_options() const {
  std::string where;
  const nlohmann::json json = component_config(ModelComponent::Transformer, &where);
  return DitOptions::from_json(json, where);
}

VaeOptions ModelFolder::vae_options() const { return read_vae_options(component_path(ModelComponent::Vae)); }

LlavaOptions ModelFolder::instructor_options() const {
  std::string where;
  const nlohmann::json json = component_config(ModelComponent::Instructor, &where);
  return LlavaOptions::from_hf_config(json, where);
}

ClipTextOptions ModelFolder::clip_options() const {
  std::string where;
  const nlohmann::json json = component_config(ModelComponent::ClipText, &where);
  return clip_text_options_from_hf(json, where);
}

HunyuanDit ModelFolder::load_transformer(torch::Device device, torch::ScalarType dtype, const DitLoadOptions& load,
                                         const std::optional<DitOptions>& options,
                                         std::optional<torch::ScalarType> autocast_weights) const {
  return built_and_loaded<HunyuanDit>(
      options ? *options : transformer_options(), component_path(ModelComponent::Transformer), device, dtype,
      [&](HunyuanDit& dit, const Checkpoint& c) { load_dit(dit, c, load); }, autocast_weights);
}

CausalVae ModelFolder::load_vae(torch::Device device, torch::ScalarType dtype) const {
  return load_vae_folder(component_path(ModelComponent::Vae), device, dtype);
}

LlavaModel ModelFolder::load_instructor(torch::Device device, torch::ScalarType dtype) const {
  return built_and_loaded<LlavaModel>(instructor_options(), component_path(ModelComponent::Instructor), device, dtype,
                                      [](LlavaModel& vlm, const Checkpoint& c) { load_llava(vlm, c); });
}

ClipTextTransformer ModelFolder::load_clip(torch::Device device, torch::ScalarType dtype) const {
  return built_and_loaded<ClipTextTransformer>(
      clip_options(), component_path(ModelComponent::ClipText), device, dtype,
      [](ClipTextTransformer& clip, const Checkpoint& c) { load_clip_text(clip, c); });
}

BpeTokenizer ModelFolder::load_tokenizer() const { return BpeTokenizer::from_file(tokenizer_path()); }
ClipTokenizer ModelFolder::load_clip_tokenizer() const { return ClipTokenizer::from_file(clip_tokenizer_path()); }

void ModelFolder::write_with_component(ModelComponent component, const std::string& out,
                                       const std::function<void(const std::string&)>& write_weights,
                                       const std::optional<nlohmann::json>& config) const {
  // A component referenced from elsewhere is never written to: the copy gets a sub-folder of
  // its own under the usual name, and a viva.json that points there.
  const bool referenced = is_referenced(component);
  VivaModelConfig copy_config = config_;
  const VivaModelConfig defaults;
  if (referenced) component_field(copy_config, component) = component_field(defaults, component);
  const fs::path sub = component_field(copy_config, component);
  const std::string prefix = sub.string() + "/";
  // The component's weights and (when given) its config are replaced; everything else is linked.
  copy_folder_atomically(
      path_, out,
      [&](const fs::path& rel, const fs::path&, const fs::path&) {
        if (referenced) return rel == "viva.json" || rel.string().rfind(prefix, 0) == 0;
        return rel.string().rfind(prefix, 0) == 0 && (rel.extension() == ".safetensors" || rel.extension() == ".json") &&
               (rel.filename() != "config.json" || config);
      },
      [&](const fs::path& tmp) {
        fs::create_directories(tmp / sub);
        write_weights((tmp / sub / "diffusion_pytorch_model.safetensors").string());
        if (config)
          write_file_atomically((tmp / sub / "config.json").string(), config->dump(2) + "\n");
        else if (referenced)
          fs::copy_file(fs::path(component_path(component)) / "config.json", tmp / sub / "config.json");
        if (referenced) copy_config.write(tmp.string());
      });
}

void ModelFolder::write_with_config(const std::string& out, const VivaModelConfig& config) const {
  copy_folder_atomically(
      path_, out, [](const fs::path& rel, const fs::path&, const fs::path&) { return rel == "viva.json"; },
      [&](const fs::path& folder) { config.write(folder.string()); });
}

}  // namespace viva
