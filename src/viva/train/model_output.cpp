#include "viva/train/model_output.h"

#include <filesystem>

#include "viva/core/atomic_file.h"

namespace viva {
namespace fs = std::filesystem;

void write_model_with_component(const std::string& base, const std::string& component, const std::string& weights,
                                const std::string& out, const std::optional<nlohmann::json>& config) {
  AtomicFile folder(out);
  const fs::path tmp = folder.temp_path();
  try {
    for (const auto& e : fs::recursive_directory_iterator(base)) {
      const fs::path rel = fs::relative(e.path(), base);
      if (e.is_directory()) {
        fs::create_directories(tmp / rel);
        continue;
      }
      const bool replaced = rel.begin()->string() == component &&
                            (rel.extension() == ".safetensors" || rel.extension() == ".json") &&
                            (rel.filename() != "config.json" || config);
      if (replaced) continue;
      fs::create_directories((tmp / rel).parent_path());
      std::error_code link_error;
      fs::create_hard_link(e.path(), tmp / rel, link_error);
      if (link_error) fs::copy_file(e.path(), tmp / rel);
    }
    fs::create_directories(tmp / component);
    fs::copy_file(weights, tmp / component / "diffusion_pytorch_model.safetensors");
    if (config) write_file_atomically((tmp / component / "config.json").string(), config->dump(2) + "\n");
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  if (fs::exists(out)) fs::remove_all(out);
  folder.commit();
}

}  // namespace viva
