#include "viva/models/dino/dino_options.h"

#include "viva/core/error.h"

namespace viva {

DinoOptions DinoOptions::dino_vitb16() { return DinoOptions(); }

DinoOptions DinoOptions::dinov2_base() {
  DinoOptions o;
  o.patch_size = 14;
  o.image_size = 518;  // a 37 x 37 grid
  o.layer_scale = true;
  return o;
}

DinoOptions DinoOptions::from_json(const nlohmann::json& c, const std::string& source) {
  DinoOptions o;
  try {
    if (c.contains("hidden_size")) {  // Hugging Face
      const std::string type = c.value("model_type", std::string("vit"));
      if (type != "vit" && type != "dinov2")
        throw Error(source, "model_type '" + type + "' is not a DINO backbone (vit or dinov2)");
      o.layer_scale = type == "dinov2";
      o.embed_dim = c.at("hidden_size");
      o.depth = c.at("num_hidden_layers");
      o.heads = c.at("num_attention_heads");
      o.mlp_hidden = c.contains("intermediate_size")
                         ? c.at("intermediate_size").get<int64_t>()
                         : static_cast<int64_t>(c.value("mlp_ratio", 4.0) * static_cast<double>(o.embed_dim));
      o.patch_size = c.at("patch_size");
      o.image_size = c.at("image_size");
      o.layer_norm_eps = c.value("layer_norm_eps", o.layer_norm_eps);
    } else {  // the reference factories' arguments
      o.embed_dim = c.at("embed_dim");
      o.depth = c.at("depth");
      o.heads = c.at("num_heads");
      o.mlp_hidden = static_cast<int64_t>(c.value("mlp_ratio", 4.0) * static_cast<double>(o.embed_dim));
      o.patch_size = c.at("patch_size");
      o.image_size = c.at("img_size");
      o.layer_norm_eps = c.value("layer_norm_eps", o.layer_norm_eps);
      o.layer_scale = c.contains("init_values") && !c.at("init_values").is_null();
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(source, std::string("DINO config: ") + e.what());
  }
  o.validate(source);
  return o;
}

void DinoOptions::validate(const std::string& source) const {
  if (patch_size < 1 || embed_dim < 1 || depth < 0 || heads < 1 || mlp_hidden < 1 || embed_dim % heads != 0)
    throw Error(source, "DINO config: sizes must be positive and the width a multiple of the heads");
  if (image_size < patch_size || image_size % patch_size != 0)
    throw Error(source, "DINO config: image_size must be a multiple of patch_size");
}

}  // namespace viva
