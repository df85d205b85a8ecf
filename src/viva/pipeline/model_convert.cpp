#include "viva/pipeline/model_convert.h"

#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/checkpoint.h"
#include "viva/core/error.h"
#include "viva/core/safetensors.h"

namespace viva {
namespace fs = std::filesystem;

ModelConvertSummary convert_model_dtype(const std::string& in, const std::string& out, torch::ScalarType dtype) {
  if (!fs::exists(fs::path(in) / "viva.json")) throw file_error(in, "is not a VIVA model folder (no viva.json)");
  if (fs::exists(out)) throw file_error(out, "exists");
  ModelConvertSummary summary;
  copy_folder_atomically(in, out, [&](const fs::path& rel, const fs::path& from, const fs::path& to) {
    if (rel.extension() != ".safetensors") return false;
    const Checkpoint file(from.string());
    std::vector<NamedTensor> tensors;
    for (const std::string& name : file.names()) {
      torch::Tensor t = file.load(name);
      if (t.is_floating_point()) t = t.to(dtype);
      tensors.push_back({name, t});
    }
    save_safetensors(to.string(), tensors, file.metadata());
    ++summary.files;
    summary.tensors += static_cast<int64_t>(tensors.size());
    summary.bytes_before += static_cast<int64_t>(fs::file_size(from));
    summary.bytes_after += static_cast<int64_t>(fs::file_size(to));
    return true;
  });
  return summary;
}

}  // namespace viva
