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
  AtomicFile folder(out);
  const fs::path tmp = folder.temp_path();
  try {
    for (const auto& e : fs::recursive_directory_iterator(in)) {
      const fs::path rel = fs::relative(e.path(), in);
      if (e.is_directory()) {
        fs::create_directories(tmp / rel);
        continue;
      }
      fs::create_directories((tmp / rel).parent_path());
      if (rel.extension() != ".safetensors") {
        fs::copy_file(e.path(), tmp / rel);
        continue;
      }
      const Checkpoint file(e.path().string());
      std::vector<NamedTensor> tensors;
      for (const std::string& name : file.names()) {
        torch::Tensor t = file.load(name);
        if (t.is_floating_point()) t = t.to(dtype);
        tensors.push_back({name, t});
      }
      save_safetensors((tmp / rel).string(), tensors, file.metadata());
      ++summary.files;
      summary.tensors += static_cast<int64_t>(tensors.size());
      summary.bytes_before += static_cast<int64_t>(fs::file_size(e.path()));
      summary.bytes_after += static_cast<int64_t>(fs::file_size(tmp / rel));
    }
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  folder.commit();
  return summary;
}

}  // namespace viva
