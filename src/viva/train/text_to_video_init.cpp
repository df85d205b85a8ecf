#include "viva/train/text_to_video_init.h"

#include <filesystem>

#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/models/vae/vae_options.h"
#include "viva/nn/seeded_random.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/viva_model_config.h"
#include "viva/train/model_output.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

struct TransformerFolder {
  std::string path;
  DitOptions options;
};

TransformerFolder transformer_of(const std::string& model) {
  const VivaModelConfig config = VivaModelConfig::read(model);
  TransformerFolder t;
  t.path = (fs::path(model) / config.transformer).string();
  t.options = DitOptions::from_json(load_json_file(t.path + "/config.json"), t.path + "/config.json");
  return t;
}

// Saves `dit` as the transformer of a copy of `model` at `out`.
void write_with_transformer(const std::string& model, HunyuanDit& dit, const std::string& out) {
  const std::string weights = (fs::path(out).parent_path() / (fs::path(out).filename().string() + ".transformer.safetensors")).string();
  save_parameters(*dit, weights);
  try {
    write_model_with_component(model, VivaModelConfig::read(model).transformer, weights, out, dit->options.to_json());
  } catch (...) {
    fs::remove(weights);
    throw;
  }
  fs::remove(weights);
}

}  // namespace

void write_text_to_video_model(const std::string& base, const std::string& out, uint64_t seed,
                               const nlohmann::json& architecture) {
  TransformerFolder t = transformer_of(base);
  t.options = t.options.with_architecture(architecture, "text-to-video transformer");
  t.options.context_projector = false;
  // The DiT is fresh, so it follows the model's VAE (which may have been trained with another
  // latent width than the initial model's, e.g. on a GPU).
  const std::string vae_config = (fs::path(base) / VivaModelConfig::read(base).vae / "config.json").string();
  t.options.in_channels = t.options.out_channels = VaeOptions::from_json(load_json_file(vae_config), vae_config).latent_channels;
  torch::NoGradGuard no_grad;
  seed_everything(seed);
  HunyuanDit dit(t.options);
  write_with_transformer(base, dit, out);
}

void write_editor_from_text_to_video(const std::string& text_to_video, const std::string& out) {
  TransformerFolder t = transformer_of(text_to_video);
  if (t.options.context_projector) throw Error(t.path, "is already a VIVA editor (it has a context projector)");
  t.options.context_projector = true;
  torch::NoGradGuard no_grad;
  HunyuanDit dit(t.options);
  DitLoadOptions load;
  load.allow_missing_viva = true;  // the loader then initialises the projector from img_in
  load_dit(dit, Checkpoint(t.path), load);
  write_with_transformer(text_to_video, dit, out);
}

}  // namespace viva
