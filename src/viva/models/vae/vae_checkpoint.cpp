#include "viva/models/vae/vae_checkpoint.h"

namespace viva {

WeightLoadReport load_vae(CausalVae& model, const Checkpoint& checkpoint) {
  const std::string prefix = checkpoint.contains("vae.quant_conv.weight") ? "vae." : "";
  WeightLoadOptions options;
  options.set_name_map([prefix](const std::string& name) { return prefix + name; });
  return load_weights(*model, checkpoint, options);
}

}  // namespace viva
