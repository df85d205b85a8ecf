#include "viva/models/dit/dit_options.h"

#include <algorithm>

#include "viva/core/error.h"
#include "viva/core/strings.h"

namespace viva {

DitOptions DitOptions::hunyuan_13b() { return DitOptions(); }

DitOptions DitOptions::tiny() {
  DitOptions o;
  o.hidden_size = 64;
  o.heads = 2;
  o.double_blocks = 2;
  o.single_blocks = 2;
  o.in_channels = 4;
  o.out_channels = 4;
  o.rope_dims = {8, 12, 12};
  o.text_dim = 32;
  o.pooled_dim = 16;
  o.guidance_embed = false;
  return o;
}

DitOptions DitOptions::from_json(const nlohmann::json& c, const std::string& source) {
  DitOptions o;
  try {
    const bool diffusers = c.contains("num_layers") || c.contains("attention_head_dim");
    if (diffusers) {
      o.heads = c.value("num_attention_heads", o.heads);
      o.hidden_size = o.heads * c.value("attention_head_dim", o.head_dim());
      o.double_blocks = c.value("num_layers", o.double_blocks);
      o.single_blocks = c.value("num_single_layers", o.single_blocks);
      o.refiner_blocks = c.value("num_refiner_layers", o.refiner_blocks);
      o.mlp_ratio = c.value("mlp_ratio", o.mlp_ratio);
      const int64_t pt = c.value("patch_size_t", o.patch[0]), p = c.value("patch_size", o.patch[1]);
      o.patch = {pt, p, p};
      o.in_channels = c.value("in_channels", o.in_channels);
      o.out_channels = c.value("out_channels", o.out_channels);
      if (c.contains("rope_axes_dim")) {
        auto dims = c["rope_axes_dim"].get<std::vector<int64_t>>();
        if (dims.size() != 3) throw Error(source, "rope_axes_dim must have 3 entries");
        o.rope_dims = {dims[0], dims[1], dims[2]};
      }
      o.rope_theta = c.value("rope_theta", o.rope_theta);
      o.text_dim = c.value("text_embed_dim", o.text_dim);
      o.pooled_dim = c.value("pooled_projection_dim", o.pooled_dim);
      o.guidance_embed = c.value("guidance_embeds", o.guidance_embed);
      if (c.contains("image_condition_type") && !c["image_condition_type"].is_null())
        throw Error(source, "image_condition_type is not supported (the I2V variants are not VIVA's backbone)");
    } else {
      o.hidden_size = c.value("hidden_size", o.hidden_size);
      o.heads = c.value("heads_num", o.heads);
      o.double_blocks = c.value("mm_double_blocks_depth", o.double_blocks);
      o.single_blocks = c.value("mm_single_blocks_depth", o.single_blocks);
      o.mlp_ratio = c.value("mlp_width_ratio", o.mlp_ratio);
      if (c.contains("patch_size")) {
        auto p = c["patch_size"].get<std::vector<int64_t>>();
        if (p.size() != 3) throw Error(source, "patch_size must have 3 entries");
        o.patch = {p[0], p[1], p[2]};
      }
      o.in_channels = c.value("in_channels", o.in_channels);
      o.out_channels = c.value("out_channels", o.out_channels);
      if (c.contains("rope_dim_list")) {
        auto dims = c["rope_dim_list"].get<std::vector<int64_t>>();
        if (dims.size() != 3) throw Error(source, "rope_dim_list must have 3 entries");
        o.rope_dims = {dims[0], dims[1], dims[2]};
      }
      o.rope_theta = c.value("rope_theta", o.rope_theta);
      o.text_dim = c.value("text_states_dim", o.text_dim);
      o.pooled_dim = c.value("text_states_dim_2", o.pooled_dim);
      o.guidance_embed = c.value("guidance_embed", o.guidance_embed);
      if (c.value("mlp_act_type", std::string("gelu_tanh")) != "gelu_tanh" || !c.value("qk_norm", true) ||
          c.value("qk_norm_type", std::string("rms")) != "rms" || !c.value("qkv_bias", true) ||
          c.value("text_projection", std::string("single_refiner")) != "single_refiner")
        throw Error(source, "only the released HunyuanVideo variant (gelu_tanh, rms qk-norm, qkv bias, single_refiner) is supported");
    }
    o.context_projector = c.value("context_projector", o.context_projector);
  } catch (const nlohmann::json::exception& e) {
    throw Error(source, std::string("bad DiT config: ") + e.what());
  }
  o.validate(source);
  return o;
}

nlohmann::json DitOptions::to_json() const {
  return {{"hidden_size", hidden_size},
          {"heads_num", heads},
          {"mm_double_blocks_depth", double_blocks},
          {"mm_single_blocks_depth", single_blocks},
          {"mlp_width_ratio", mlp_ratio},
          {"patch_size", patch},
          {"in_channels", in_channels},
          {"out_channels", out_channels},
          {"rope_dim_list", rope_dims},
          {"rope_theta", rope_theta},
          {"text_states_dim", text_dim},
          {"text_states_dim_2", pooled_dim},
          {"guidance_embed", guidance_embed},
          {"context_projector", context_projector}};
}

nlohmann::json DitOptions::to_diffusers_config() const {
  if (context_projector) throw Error("DiT", "the diffusers layout holds text-to-video DiTs; VIVA's config is to_json()");
  return {{"_class_name", "HunyuanVideoTransformer3DModel"},
          {"num_attention_heads", heads},
          {"attention_head_dim", head_dim()},
          {"num_layers", double_blocks},
          {"num_single_layers", single_blocks},
          {"num_refiner_layers", refiner_blocks},
          {"mlp_ratio", mlp_ratio},
          {"patch_size", patch[1]},
          {"patch_size_t", patch[0]},
          {"in_channels", in_channels},
          {"out_channels", out_channels},
          {"qk_norm", "rms_norm"},
          {"guidance_embeds", guidance_embed},
          {"text_embed_dim", text_dim},
          {"pooled_projection_dim", pooled_dim},
          {"rope_theta", rope_theta},
          {"rope_axes_dim", rope_dims},
          {"image_condition_type", nullptr}};
}

const std::vector<std::string>& DitOptions::architecture_keys() {
  static const std::vector<std::string> keys = {"hidden_size",     "heads_num",       "mm_double_blocks_depth",
                                                "mm_single_blocks_depth", "mlp_width_ratio", "patch_size",
                                                "rope_dim_list",   "rope_theta"};
  return keys;
}

DitOptions DitOptions::with_architecture(const nlohmann::json& patch, const std::string& source) const {
  if (!patch.is_object()) throw Error(source, "must be a JSON object of transformer/config.json keys");
  if (patch.empty()) return *this;
  const std::vector<std::string>& keys = architecture_keys();
  for (const auto& [key, value] : patch.items())
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      throw Error(source, "'" + key + "' is not an architecture key (known: " + join(keys) + ")");
  nlohmann::json config = to_json();
  config.merge_patch(patch);
  DitOptions patched = from_json(config, source);
  patched.refiner_blocks = refiner_blocks;  // not among to_json()'s keys
  return patched;
}

void DitOptions::validate(const std::string& source) const {
  if (hidden_size <= 0 || heads <= 0 || hidden_size % heads != 0)
    throw Error(source, "DiT hidden size must be a positive multiple of the head count");
  if (rope_dims[0] + rope_dims[1] + rope_dims[2] != head_dim())
    throw Error(source, "RoPE axis dimensions must sum to the head dimension " + std::to_string(head_dim()));
  for (int64_t d : rope_dims)
    if (d % 2 != 0) throw Error(source, "RoPE axis dimensions must be even");
  if (double_blocks < 0 || single_blocks < 0 || refiner_blocks < 0 || patch[0] <= 0 || patch[1] <= 0 || patch[2] <= 0 ||
      in_channels <= 0 || out_channels <= 0 || text_dim <= 0 || pooled_dim <= 0)
    throw Error(source, "DiT sizes must be positive");
}

}  // namespace viva
