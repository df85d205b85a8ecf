#include "viva/models/dino/dino_checkpoint.h"

#include <filesystem>
#include <regex>

#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/core/strings.h"

namespace viva {
namespace {

// Module name -> Hugging Face name, for a ViTModel (`dinov2` false) or a Dinov2Model.
std::string hf_name(const std::string& name, bool dinov2) {
  static const std::regex block(R"(blocks\.(\d+)\.(.+))");
  std::smatch m;
  if (std::regex_match(name, m, block)) {
    const std::string layer = "encoder.layer." + m[1].str() + ".";
    const std::string rest = m[2].str();
    const auto tail = [&](const std::string& prefix) { return rest.substr(prefix.size()); };
    if (starts_with(rest, "norm1.")) return layer + (dinov2 ? "norm1." : "layernorm_before.") + tail("norm1.");
    if (starts_with(rest, "norm2.")) return layer + (dinov2 ? "norm2." : "layernorm_after.") + tail("norm2.");
    if (starts_with(rest, "attn.proj.")) return layer + "attention.output.dense." + tail("attn.proj.");
    if (starts_with(rest, "mlp.fc1.")) return layer + (dinov2 ? "mlp.fc1." : "intermediate.dense.") + tail("mlp.fc1.");
    if (starts_with(rest, "mlp.fc2.")) return layer + (dinov2 ? "mlp.fc2." : "output.dense.") + tail("mlp.fc2.");
    if (rest == "ls1.gamma") return layer + "layer_scale1.lambda1";
    if (rest == "ls2.gamma") return layer + "layer_scale2.lambda1";
    return "";  // attn.qkv: from its parts
  }
  if (name == "cls_token" || name == "mask_token") return "embeddings." + name;
  if (name == "pos_embed") return "embeddings.position_embeddings";
  if (starts_with(name, "patch_embed.proj.")) return "embeddings.patch_embeddings.projection." + name.substr(17);
  if (starts_with(name, "norm.")) return "layernorm." + name.substr(5);
  return "";
}

// attn.qkv.{weight,bias} -> the HF query, key and value tensors.
std::vector<std::string> hf_qkv_parts(const std::string& name) {
  static const std::regex qkv(R"(blocks\.(\d+)\.attn\.qkv\.(weight|bias))");
  std::smatch m;
  if (!std::regex_match(name, m, qkv)) return {};
  const std::string prefix = "encoder.layer." + m[1].str() + ".attention.attention.";
  std::vector<std::string> parts;
  for (const char* part : {"query.", "key.", "value."}) parts.push_back(prefix + part + m[2].str());
  return parts;
}

}  // namespace

WeightLoadReport load_dino(DinoVisionTransformer& model, const Checkpoint& checkpoint) {
  if (checkpoint.contains("cls_token")) return load_weights(*model, checkpoint, WeightLoadOptions());
  if (!checkpoint.contains("embeddings.cls_token"))
    throw Error(checkpoint.path(), "no DINO backbone found (cls_token, or embeddings.cls_token in the HF layout)");
  const bool dinov2 = model->options.layer_scale;
  WeightLoadOptions options;
  options.set_name_map([dinov2](const std::string& name) { return hf_name(name, dinov2); });
  options.set_parts(hf_qkv_parts);
  options.set_ignore([](const std::string& name) { return starts_with(name, "pooler."); });
  return load_weights(*model, checkpoint, options);
}

DinoVisionTransformer load_dino_model(const std::string& path, const DinoOptions& preset) {
  const std::string config = (std::filesystem::path(path) / "config.json").string();
  const bool folder = std::filesystem::is_directory(path);
  DinoVisionTransformer model(folder ? DinoOptions::from_json(load_json_file(config), config) : preset);
  load_dino(model, Checkpoint(path));
  model->eval();
  return model;
}

}  // namespace viva
