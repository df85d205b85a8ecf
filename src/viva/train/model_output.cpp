#include "viva/train/model_output.h"

#include <filesystem>

#include "viva/core/atomic_file.h"

namespace viva {
namespace fs = std::filesystem;

void write_model_with_component(const std::string& base, const std::string& component, const std::string& weights,
                                const std::string& out, const std::optional<nlohmann::json>& config) {
  // The component's weights and (when given) its config are replaced; everything else is linked.
  copy_folder_atomically(
      base, out,
      [&](const fs::path& rel, const fs::path&, const fs::path&) {
        return rel.begin()->string() == component && (rel.extension() == ".safetensors" || rel.extension() == ".json") &&
               (rel.filename() != "config.json" || config);
      },
      [&](const fs::path& tmp) {
        fs::create_directories(tmp / component);
        fs::copy_file(weights, tmp / component / "diffusion_pytorch_model.safetensors");
        if (config) write_file_atomically((tmp / component / "config.json").string(), config->dump(2) + "\n");
      });
}

}  // namespace viva
