#include "viva/models/viclip/viclip_options.h"

#include "viva/core/error.h"

namespace viva {

ViclipOptions ViclipOptions::viclip_l14() { return ViclipOptions(); }

ViclipOptions ViclipOptions::from_json(const nlohmann::json& c, const std::string& source) {
  ViclipOptions o;
  try {
    for (auto [key, field] : {std::pair{"input_resolution", &o.input_resolution}, std::pair{"patch_size", &o.patch_size},
                              std::pair{"vision_width", &o.vision_width}, std::pair{"vision_layers", &o.vision_layers},
                              std::pair{"vision_heads", &o.vision_heads}, std::pair{"num_frames", &o.num_frames},
                              std::pair{"embed_dim", &o.embed_dim}, std::pair{"context_length", &o.context_length},
                              std::pair{"vocab_size", &o.vocab_size}, std::pair{"text_width", &o.text_width},
                              std::pair{"text_layers", &o.text_layers}, std::pair{"text_heads", &o.text_heads}})
      *field = c.value(key, *field);
    o.layer_norm_eps = c.value("layer_norm_eps", o.layer_norm_eps);
  } catch (const nlohmann::json::exception& e) {
    throw Error(source, std::string("ViCLIP config: ") + e.what());
  }
  o.validate(source);
  return o;
}

void ViclipOptions::validate(const std::string& source) const {
  if (input_resolution < patch_size || patch_size < 1 || vision_width % vision_heads || text_width % text_heads ||
      num_frames < 1 || context_length < 1 || vocab_size < 2 || embed_dim < 1 || vision_layers < 0 || text_layers < 0)
    throw Error(source, "ViCLIP config: sizes must be positive and widths multiples of the heads");
}

}  // namespace viva
