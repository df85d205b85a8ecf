#include "viva/pipeline/model_init.h"

#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/core/safetensors.h"
#include "viva/models/clip/clip_model.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/models/llava/llava_model.h"
#include "viva/models/vae/causal_vae.h"
#include "viva/nn/seeded_random.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/viva_model_config.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

struct Preset {
  DitOptions dit;
  VaeOptions vae;
  LlavaOptions vlm;
  ClipTextOptions clip_text;
  VivaModelConfig config;
};

Preset tiny_preset() {
  Preset p;
  p.vlm.vision.hidden_size = 32;
  p.vlm.vision.intermediate_size = 64;
  p.vlm.vision.num_layers = 2;
  p.vlm.vision.num_heads = 2;
  p.vlm.vision.image_size = 32;
  p.vlm.vision.patch_size = 8;
  p.vlm.text = LlamaOptions()
                   .set_vocab_size(128320)  // Llama-3's ids and LLaVA's <image> must fit
                   .set_hidden_size(32)
                   .set_intermediate_size(64)
                   .set_num_layers(2)
                   .set_num_heads(2)
                   .set_num_kv_heads(1);
  p.clip_text.hidden_size = 32;
  p.clip_text.intermediate_size = 64;
  p.clip_text.num_layers = 2;
  p.clip_text.num_heads = 2;
  p.vae = VaeOptions::tiny();
  p.dit = DitOptions::tiny();
  p.dit.in_channels = p.dit.out_channels = p.vae.latent_channels;
  p.dit.text_dim = p.vlm.text.hidden_size;
  p.dit.pooled_dim = p.clip_text.hidden_size;
  p.dit.context_projector = true;
  p.config.instructor.keep_after_layer = p.vlm.text.num_layers;
  p.config.instructor.image_stride = 4;
  p.config.text_tokens = 64;
  p.config.sampling.steps = 20;
  p.config.sampling.shift = 3.0;
  p.config.width = p.config.height = 64;
  p.config.frames = 9;
  return p;
}

// The ShapesWorld model the recipe trains and models/shapes ships: the tiny encoders, a VAE with
// 16 latent channels (sharp flat-colour edges at 4x spatial compression) and a wider, deeper DiT.
Preset shapes_preset() {
  Preset p = tiny_preset();
  p.vae.latent_channels = 16;
  p.dit.hidden_size = 128;
  p.dit.heads = 2;
  p.dit.rope_dims = {16, 24, 24};
  p.dit.double_blocks = 2;
  p.dit.single_blocks = 4;
  p.dit.in_channels = p.dit.out_channels = p.vae.latent_channels;
  return p;
}

void write_json(const fs::path& path, const nlohmann::json& json) {
  write_file_atomically(path.string(), json.dump(2) + "\n");
}

void write_components(const fs::path& root, const Preset& p, const ModelInitOptions& options,
                      const fs::path& llama_tokenizer, const fs::path& clip_merges) {
  torch::NoGradGuard no_grad;
  seed_everything(options.seed);

  const VivaModelConfig& c = p.config;
  for (const std::string& part : {c.transformer, c.vae, c.vlm, c.clip_text}) fs::create_directories(root / part);
  HunyuanDit dit(p.dit);
  write_json(root / c.transformer / "config.json", p.dit.to_json());
  save_parameters(*dit, (root / c.transformer / "diffusion_pytorch_model.safetensors").string(), "");
  CausalVae vae(p.vae);
  write_json(root / c.vae / "config.json", p.vae.to_json());
  save_parameters(*vae, (root / c.vae / "diffusion_pytorch_model.safetensors").string(), "");

  LlavaModel vlm(p.vlm);
  write_json(root / c.vlm / "config.json", p.vlm.to_hf_config());
  save_llava(vlm, (root / c.vlm / "model.safetensors").string());

  ClipTextTransformer clip(p.clip_text);
  write_json(root / c.clip_text / "config.json", clip_text_options_to_hf(p.clip_text));
  save_parameters(*clip, (root / c.clip_text / "model.safetensors").string(), "text_model.");

  fs::create_directories((root / c.tokenizer).parent_path());
  fs::copy_file(llama_tokenizer, root / c.tokenizer);
  fs::create_directories((root / c.clip_tokenizer).parent_path());
  fs::copy_file(clip_merges, root / c.clip_tokenizer);
  c.write(root.string());
}

Preset preset_named(const std::string& name, const std::string& source) {
  if (name == "tiny") return tiny_preset();
  if (name == "shapes") return shapes_preset();
  throw Error(source, "unknown preset '" + name + "' (known: tiny, shapes)");
}

}  // namespace

void check_preset_architecture(const std::string& preset, const nlohmann::json& transformer, const std::string& source) {
  preset_named(preset, source).dit.with_architecture(transformer, source);
}

void write_initial_model(const std::string& folder, const ModelInitOptions& options) {
  const fs::path llama_tokenizer = fs::path(options.tokenizers) / "llama3" / "tokenizer.json";
  const fs::path clip_merges = fs::path(options.tokenizers) / "clip" / "bpe_simple_vocab_16e6.txt.gz";
  for (const auto& p : {llama_tokenizer, clip_merges})
    if (!fs::exists(p)) throw file_error(p.string(), "tokenizer file not found (give --tokenizers DIR)");
  if (fs::exists(folder) && !(fs::is_directory(folder) && fs::is_empty(folder)))
    throw file_error(folder, "exists and is not empty");

  Preset p = preset_named(options.preset, "model init");
  p.dit = p.dit.with_architecture(options.transformer, "model init: transformer");
  AtomicFile output(folder);
  const fs::path root = output.temp_path();
  fs::create_directories(root);
  try {
    write_components(root, p, options, llama_tokenizer, clip_merges);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(root, ignored);
    throw;
  }
  if (fs::is_directory(folder)) fs::remove(folder);  // empty, checked above
  output.commit();
}

}  // namespace viva

