#pragma once
// What `viva inspect --model <dir>` reports: each component of a model folder (the diffusers
// HunyuanVideo layout: transformer/, vae/, text_encoder/, text_encoder_2/; or a single
// checkpoint), which family and layout it is, its parameter count and the preset it matches.
#include <string>
#include <vector>

namespace viva {

struct ComponentReport {
  std::string name;     // folder name, or the file name for a lone checkpoint
  std::string path;     // checkpoint file or index opened
  std::string family;   // "HunyuanVideo DiT", "causal 3D VAE", "Llama decoder", "CLIP", "LLaVA", "unknown"
  std::string layout;   // e.g. "diffusers", "original", "HF LlamaModel"
  std::string preset;   // e.g. "hunyuan-13b", "custom (hidden 64, 2 double + 2 single blocks)"
  uint64_t parameters = 0;
  uint64_t bytes = 0;
  std::vector<std::string> notes;
};

// One component: the checkpoint (file, folder or index) at `path`, reported under `name`.
ComponentReport inspect_component(const std::string& name, const std::string& path);

// Throws viva::Error naming the folder when it holds no checkpoint at all.
std::vector<ComponentReport> inspect_model_folder(const std::string& folder);

}  // namespace viva
