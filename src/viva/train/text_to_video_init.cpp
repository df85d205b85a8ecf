#include "viva/train/text_to_video_init.h"

#include "viva/core/error.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/nn/seeded_random.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/model_folder.h"

namespace viva {
namespace {

// Saves `dit` (weights and config) as the transformer of a copy of `model` at `out`.
void write_with_transformer(const ModelFolder& model, HunyuanDit& dit, const std::string& out) {
  model.write_with_component(
      ModelComponent::Transformer, out, [&](const std::string& weights) { save_parameters(*dit, weights); },
      dit->options.to_json());
}

}  // namespace

void write_text_to_video_model(const std::string& base, const std::string& out, uint64_t seed,
                               const nlohmann::json& architecture) {
  const ModelFolder model(base);
  DitOptions options = model.transformer_options().with_architecture(architecture, "text-to-video transformer");
  options.context_projector = false;
  // The DiT is fresh, so it follows the model's VAE (which may have been trained with another
  // latent width than the initial model's, e.g. on a GPU).
  options.in_channels = options.out_channels = model.vae_options().latent_channels;
  torch::NoGradGuard no_grad;
  seed_everything(seed);
  HunyuanDit dit(options);
  write_with_transformer(model, dit, out);
}

void write_editor_from_text_to_video(const std::string& text_to_video, const std::string& out) {
  const ModelFolder model(text_to_video);
  DitOptions options = model.transformer_options();
  if (options.context_projector)
    throw Error(model.component_path(ModelComponent::Transformer), "is already a VIVA editor (it has a context projector)");
  options.context_projector = true;
  DitLoadOptions load;
  load.allow_missing_viva = true;  // the loader then initialises the projector from img_in
  HunyuanDit dit = model.load_transformer(torch::kCPU, torch::kFloat32, load, options);
  write_with_transformer(model, dit, out);
}

}  // namespace viva
