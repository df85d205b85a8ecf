#include "viva/models/model_inspector.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "viva/core/checkpoint.h"
#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/models/llama/llama_checkpoint.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

// Number of distinct block indices under `head` ("double_blocks." -> 20).
int64_t count_blocks(const Checkpoint& c, const std::string& head) {
  std::set<int64_t> seen;
  for (const auto& name : c.names()) {
    if (!starts_with(name, head)) continue;
    try {
      seen.insert(std::stoll(name.substr(head.size())));
    } catch (const std::exception&) {
    }
  }
  return static_cast<int64_t>(seen.size());
}

void describe_dit(const Checkpoint& c, ComponentReport& r) {
  const bool original = detect_dit_layout(c) == DitLayout::Original;
  r.family = "HunyuanVideo DiT";
  r.layout = original ? "original (Tencent names)" : "diffusers";
  const auto& patch = c.entry(original ? "img_in.proj.weight" : "x_embedder.proj.weight").shape;
  const int64_t hidden = patch[0], channels = patch[1];
  const int64_t doubles = count_blocks(c, original ? "double_blocks." : "transformer_blocks.");
  const int64_t singles = count_blocks(c, original ? "single_blocks." : "single_transformer_blocks.");
  const bool guidance = c.contains(original ? "guidance_in.mlp.0.weight" : "time_text_embed.guidance_embedder.linear_1.weight");
  const bool viva = c.contains("context_projector.weight");
  const DitOptions h = DitOptions::hunyuan_13b();
  if (hidden == h.hidden_size && channels == h.in_channels && doubles == h.double_blocks && singles == h.single_blocks)
    r.preset = std::string("hunyuan-13b") + (guidance ? " (guidance-distilled)" : " (no guidance embedding)");
  else
    r.preset = "custom (hidden " + std::to_string(hidden) + ", " + std::to_string(doubles) + " double + " +
               std::to_string(singles) + " single blocks, " + std::to_string(channels) + " latent channels)";
  r.notes.push_back(viva ? "VIVA context projector present" : "text-to-video weights (no context projector; VIVA starts it as [I | 0])");
}

void describe_vae(const Checkpoint& c, ComponentReport& r) {
  r.family = "causal 3D VAE";
  r.layout = "HunyuanVideo (identical in original and diffusers)";
  std::vector<int64_t> channels;
  for (int64_t b = 0;; ++b) {
    const std::string name = "encoder.down_blocks." + std::to_string(b) + ".resnets.0.conv1.conv.weight";
    if (!c.contains(name)) break;
    channels.push_back(c.entry(name).shape[0]);
  }
  const int64_t latent = c.entry("post_quant_conv.weight").shape[0];
  std::string list;
  for (auto ch : channels) list += (list.empty() ? "" : ", ") + std::to_string(ch);
  r.preset = channels == std::vector<int64_t>{128, 256, 512, 512} && latent == 16
                 ? "hunyuan"
                 : "custom (blocks [" + list + "], " + std::to_string(latent) + " latent channels)";
}

void describe_llama_or_llava(const Checkpoint& c, ComponentReport& r) {
  const LlamaLayout layout = detect_llama_layout(c);
  const auto& embed = c.entry(layout.decoder_prefix + "embed_tokens.weight").shape;
  const bool llava = c.contains("multi_modal_projector.linear_1.weight") || c.contains("model.multi_modal_projector.linear_1.weight");
  r.family = llava ? "LLaVA (CLIP vision tower + projector + Llama decoder)" : "Llama decoder";
  r.layout = layout.decoder_prefix.empty() ? "HF LlamaModel" : "decoder under '" + layout.decoder_prefix + "'";
  const bool llama3_8b = embed[1] == 4096 && layout.num_layers == 32;
  r.preset = llama3_8b ? (llava ? "llava-llama-3-8b" : "llama3-8b")
                       : "custom (hidden " + std::to_string(embed[1]) + ", " + std::to_string(layout.num_layers) + " layers)";
  r.notes.push_back("vocabulary " + std::to_string(embed[0]));
}

void describe_clip(const Checkpoint& c, ComponentReport& r) {
  r.family = "CLIP";
  const bool text = c.contains("text_model.embeddings.token_embedding.weight");
  const bool vision = c.contains("vision_model.embeddings.class_embedding");
  r.layout = text && vision ? "HF CLIPModel" : text ? "HF CLIPTextModel" : "HF CLIPVisionModel";
  if (text) {
    const int64_t width = c.entry("text_model.embeddings.token_embedding.weight").shape[1];
    const int64_t layers = count_blocks(c, "text_model.encoder.layers.");
    r.preset = width == 768 && layers == 12 ? "clip-vit-large-patch14 (text)"
                                            : "custom text tower (width " + std::to_string(width) + ", " + std::to_string(layers) + " layers)";
  }
  if (vision) {
    const int64_t width = c.entry("vision_model.embeddings.class_embedding").shape[0];
    r.notes.push_back("vision tower width " + std::to_string(width) + ", " +
                      std::to_string(count_blocks(c, "vision_model.encoder.layers.")) + " layers");
  }
}

ComponentReport describe_checkpoint(const std::string& name, const std::string& path) {
  Checkpoint c(path);
  ComponentReport r;
  r.name = name;
  r.path = c.path();
  for (const auto& tensor : c.names()) {
    r.parameters += c.entry(tensor).numel();
    r.bytes += c.entry(tensor).nbytes();
  }
  if (c.contains("img_in.proj.weight") || c.contains("x_embedder.proj.weight"))
    describe_dit(c, r);
  else if (c.contains("encoder.conv_in.conv.weight") || c.contains("vae.encoder.conv_in.conv.weight"))
    describe_vae(c, r);
  else if (c.contains("embed_tokens.weight") || c.contains("model.embed_tokens.weight") ||
           c.contains("language_model.model.embed_tokens.weight") || c.contains("model.language_model.embed_tokens.weight"))
    describe_llama_or_llava(c, r);
  else if (c.contains("text_model.embeddings.token_embedding.weight") || c.contains("vision_model.embeddings.class_embedding"))
    describe_clip(c, r);
  else
    r.family = "unknown";
  return r;
}

bool holds_checkpoint(const fs::path& folder) {
  for (const auto& item : fs::directory_iterator(folder)) {
    const std::string file = item.path().filename().string();
    if (file.size() > 12 && (file.find(".safetensors") != std::string::npos)) return true;
  }
  return false;
}

}  // namespace

ComponentReport inspect_component(const std::string& name, const std::string& path) {
  return describe_checkpoint(name, path);
}

std::vector<ComponentReport> inspect_model_folder(const std::string& folder) {
  if (!fs::is_directory(folder)) return {describe_checkpoint(fs::path(folder).filename().string(), folder)};
  std::vector<ComponentReport> reports;
  if (holds_checkpoint(folder)) reports.push_back(describe_checkpoint(".", folder));
  std::vector<fs::path> subfolders;
  for (const auto& item : fs::directory_iterator(folder))
    if (item.is_directory() && holds_checkpoint(item.path())) subfolders.push_back(item.path());
  std::sort(subfolders.begin(), subfolders.end());
  for (const auto& sub : subfolders) reports.push_back(describe_checkpoint(sub.filename().string(), sub.string()));
  if (reports.empty()) throw file_error(folder, "holds no .safetensors checkpoint (nor do its subfolders)");
  return reports;
}

}  // namespace viva
