#pragma once
// Released-layout folders made by our own writers from a VIVA model folder, laid out as a user
// downloads them: the text-to-video folder (transformer/ with diffusers names and config in bf16
// over two shards and an index, vae/, text_encoder_2/, tokenizer_2/) and the LLaVA instructor
// (config.json, weights, tokenizer.json).
#include <filesystem>
#include <string>

#include "viva/core/atomic_file.h"
#include "viva/core/safetensors.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/nn/seeded_random.h"
#include "viva/pipeline/model_folder.h"

namespace viva::testing {

struct ReleasedFolders {
  std::string t2v, instructor;
  DitOptions dit;  // the text-to-video DiT's architecture
};

inline ReleasedFolders write_released_layout(const std::string& root, const std::string& model_folder) {
  namespace fs = std::filesystem;
  const ModelFolder model(model_folder);
  ReleasedFolders r;
  r.t2v = root + "/HunyuanVideo";
  r.instructor = root + "/llava-llama-3-8b-v1_1-transformers";
  r.dit = model.transformer_options();
  r.dit.context_projector = false;
  torch::NoGradGuard no_grad;
  seed_everything(5);
  HunyuanDit dit(r.dit);
  std::vector<NamedTensor> original;
  for (const auto& p : dit->named_parameters()) original.push_back({p.key(), p.value().to(torch::kBFloat16)});
  const std::vector<NamedTensor> diffusers = dit_diffusers_tensors(original, r.dit);
  const fs::path transformer = fs::path(r.t2v) / "transformer";
  fs::create_directories(transformer);
  const std::size_t half = diffusers.size() / 2;
  nlohmann::json weight_map = nlohmann::json::object();
  const std::string shards[2] = {"diffusion_pytorch_model-00001-of-00002.safetensors",
                                 "diffusion_pytorch_model-00002-of-00002.safetensors"};
  for (int s = 0; s < 2; ++s) {
    const std::vector<NamedTensor> part(diffusers.begin() + (s ? static_cast<std::ptrdiff_t>(half) : 0),
                                        s ? diffusers.end() : diffusers.begin() + static_cast<std::ptrdiff_t>(half));
    save_safetensors((transformer / shards[s]).string(), part);
    for (const NamedTensor& t : part) weight_map[t.name] = shards[s];
  }
  write_file_atomically((transformer / "diffusion_pytorch_model.safetensors.index.json").string(),
                        nlohmann::json{{"metadata", nlohmann::json::object()}, {"weight_map", weight_map}}.dump());
  write_file_atomically((transformer / "config.json").string(), r.dit.to_diffusers_config().dump(2));
  const auto copy = fs::copy_options::recursive;
  fs::copy(model.component_path(ModelComponent::Vae), fs::path(r.t2v) / "vae", copy);
  fs::copy(model.component_path(ModelComponent::ClipText), fs::path(r.t2v) / "text_encoder_2", copy);
  fs::create_directories(fs::path(r.t2v) / "tokenizer_2");
  fs::copy_file(model.clip_tokenizer_path(), fs::path(r.t2v) / "tokenizer_2" / fs::path(model.clip_tokenizer_path()).filename());
  fs::copy(model.component_path(ModelComponent::Instructor), r.instructor, copy);
  fs::copy_file(model.tokenizer_path(), fs::path(r.instructor) / "tokenizer.json");
  return r;
}

}  // namespace viva::testing
