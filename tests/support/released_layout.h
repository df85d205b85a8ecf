#pragma once
// Released-layout folders made by our own writers, laid out as a user downloads them: the
// text-to-video folder (transformer/ with diffusers names and config over two shards and an
// index, vae/, text_encoder_2/, tokenizer_2/) and the LLaVA instructor (config.json, weights,
// tokenizer.json), every tensor in bf16 as released.
#include <filesystem>
#include <string>

#include "viva/core/atomic_file.h"
#include "viva/core/safetensors.h"
#include "viva/models/clip/clip_options.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/nn/seeded_random.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/model_folder.h"

namespace viva::testing {

struct ReleasedArchitecture {
  DitOptions dit;  // text-to-video (no context projector)
  VaeOptions vae;
  LlavaOptions llava;
  ClipTextOptions clip;
};

// The released configurations with only the depth cut: the 13B DiT's widths (hidden 3072,
// 24 heads, RoPE 16/56/56, text 4096, pooled 768) with 1 double + 1 single block, the released
// VAE, LLaVA-Llama-3-8B's widths with 2 decoder layers and the CLIP-L/336 tower with 2 layers,
// CLIP-L text with 2 layers.
inline ReleasedArchitecture released_widths_reduced_depth() {
  ReleasedArchitecture a;
  a.dit = DitOptions::hunyuan_13b();
  a.dit.double_blocks = a.dit.single_blocks = 1;
  a.vae = VaeOptions::hunyuan();
  a.llava = LlavaOptions();
  a.llava.text.num_layers = 2;
  a.llava.vision.num_layers = 2;
  a.clip.num_layers = 2;
  return a;
}

// A model folder's architecture, its DiT made text-to-video.
inline ReleasedArchitecture architecture_of(const std::string& model_folder) {
  const ModelFolder model(model_folder);
  ReleasedArchitecture a{model.transformer_options(), model.vae_options(), model.instructor_options(), model.clip_options()};
  a.dit.context_projector = false;
  return a;
}

struct ReleasedFolders {
  std::string t2v, instructor;
};

// Random weights (seeded) of `a`; `tokenizers` holds llama3/tokenizer.json and
// clip/bpe_simple_vocab_16e6.txt.gz.
inline ReleasedFolders write_released_layout(const std::string& root, const ReleasedArchitecture& a,
                                             const std::string& tokenizers) {
  namespace fs = std::filesystem;
  ReleasedFolders r{root + "/HunyuanVideo", root + "/llava-llama-3-8b-v1_1-transformers"};
  const fs::path t2v(r.t2v);
  const auto json_file = [](const fs::path& path, const nlohmann::json& json) {
    fs::create_directories(path.parent_path());
    write_file_atomically(path.string(), json.dump(2));
  };
  torch::NoGradGuard no_grad;
  seed_everything(5);
  {
    HunyuanDit dit(a.dit);
    std::vector<NamedTensor> original;
    for (const auto& p : dit->named_parameters()) original.push_back({p.key(), p.value().to(torch::kBFloat16)});
    const std::vector<NamedTensor> diffusers = dit_diffusers_tensors(original, a.dit);
    const auto half = static_cast<std::ptrdiff_t>(diffusers.size() / 2);
    nlohmann::json weight_map = nlohmann::json::object();
    const std::string shards[2] = {"diffusion_pytorch_model-00001-of-00002.safetensors",
                                   "diffusion_pytorch_model-00002-of-00002.safetensors"};
    json_file(t2v / "transformer" / "config.json", a.dit.to_diffusers_config());
    for (int s = 0; s < 2; ++s) {
      const std::vector<NamedTensor> part(s ? diffusers.begin() + half : diffusers.begin(),
                                          s ? diffusers.end() : diffusers.begin() + half);
      save_safetensors((t2v / "transformer" / shards[s]).string(), part);
      for (const NamedTensor& t : part) weight_map[t.name] = shards[s];
    }
    json_file(t2v / "transformer" / "diffusion_pytorch_model.safetensors.index.json",
              {{"metadata", nlohmann::json::object()}, {"weight_map", weight_map}});
  }
  {
    CausalVae vae(a.vae);
    vae->to(torch::kBFloat16);
    json_file(t2v / "vae" / "config.json", a.vae.to_json());
    save_parameters(*vae, (t2v / "vae" / "diffusion_pytorch_model.safetensors").string());
  }
  {
    ClipTextTransformer clip(a.clip);
    clip->to(torch::kBFloat16);
    json_file(t2v / "text_encoder_2" / "config.json", clip_text_options_to_hf(a.clip));
    save_parameters(*clip, (t2v / "text_encoder_2" / "model.safetensors").string(), "text_model.");
    fs::create_directories(t2v / "tokenizer_2");
    fs::copy_file(tokenizers + "/clip/bpe_simple_vocab_16e6.txt.gz", t2v / "tokenizer_2" / "bpe_simple_vocab_16e6.txt.gz");
  }
  {
    LlavaModel vlm(a.llava);
    vlm->to(torch::kBFloat16);
    json_file(fs::path(r.instructor) / "config.json", a.llava.to_hf_config());
    save_llava(vlm, r.instructor + "/model.safetensors");
    fs::copy_file(tokenizers + "/llama3/tokenizer.json", fs::path(r.instructor) / "tokenizer.json");
  }
  return r;
}

}  // namespace viva::testing
