#include "viva/eval/tiny_metric_models.h"

#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/models/dino/dino_vit.h"
#include "viva/models/viclip/viclip_model.h"
#include "viva/nn/weight_loading.h"

namespace viva {

const std::vector<std::string>& tiny_metric_model_kinds() {
  static const std::vector<std::string> kinds = {"dino", "dinov2", "viclip"};
  return kinds;
}

nlohmann::json tiny_metric_model_config(const std::string& kind) {
  const nlohmann::json dino = {{"patch_size", 8}, {"embed_dim", 32}, {"depth", 2}, {"num_heads", 2}, {"img_size", 32}};
  if (kind == "dino") return dino;
  if (kind == "dinov2") {
    nlohmann::json dinov2 = dino;
    dinov2["init_values"] = 1.0;  // LayerScale, as DINOv2's factories set it
    return dinov2;
  }
  if (kind == "viclip")
    return {{"input_resolution", 32}, {"patch_size", 8}, {"vision_width", 32}, {"vision_layers", 2},
            {"vision_heads", 2},      {"embed_dim", 16}, {"text_width", 32},   {"text_layers", 2},
            {"text_heads", 2}};
  throw Error("tiny metric model", "unknown kind '" + kind + "' (dino, dinov2 or viclip)");
}

void write_tiny_metric_model(const std::string& kind, const std::string& folder, uint64_t seed) {
  const nlohmann::json config = tiny_metric_model_config(kind);
  torch::manual_seed(seed);
  std::filesystem::create_directories(folder);
  const std::string weights = folder + "/model.safetensors";
  if (kind == "viclip")
    save_parameters(*ViclipModel(ViclipOptions::from_json(config, kind)), weights);
  else
    save_parameters(*DinoVisionTransformer(DinoOptions::from_json(config, kind)), weights);
  write_file_atomically(folder + "/config.json", config.dump(2) + "\n");
}

}  // namespace viva
