#include "viva/train/checkpoint_consolidate.h"

#include <filesystem>

#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/core/safetensors.h"
#include "viva/pipeline/model_folder.h"
#include "viva/train/sharded_checkpoint.h"
#include "viva/train/train_checkpoint.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

// The step folder itself, or the latest checkpoint of a run folder or of its checkpoints/.
std::string step_folder(const std::string& path) {
  if (fs::exists(fs::path(path) / "state.json")) return path;
  for (const fs::path& run : {fs::path(path), fs::path(path).parent_path()})
    if (const auto latest = TrainCheckpoints(run.string(), 0).latest()) return *latest;
  throw file_error(path, "is not a training checkpoint (no state.json, and no checkpoints/latest)");
}

}  // namespace

ConsolidateSummary consolidate_checkpoint(const std::string& checkpoint, const std::string& out) {
  ConsolidateSummary summary;
  summary.checkpoint = step_folder(checkpoint);
  const std::string& folder = summary.checkpoint;
  const nlohmann::json state = load_json_file((fs::path(folder) / "state.json").string());
  const nlohmann::json config = state.value("config", nlohmann::json::object());
  if (!config.contains("cache") || !config.contains("model") || !config["model"].is_string())
    throw file_error(folder, "is not a checkpoint of viva train sft (its config names no model and cache)");
  summary.step = state.value("step", int64_t{0});
  std::vector<NamedTensor> tensors;
  if (state.contains("shards")) {
    const ShardedCheckpoint parts(folder);
    summary.parts = parts.world();
    tensors = parts.model_tensors();
  } else {
    const Checkpoint weights((fs::path(folder) / "weights.safetensors").string());
    for (const auto& name : weights.names()) tensors.push_back({name, weights.load(name)});
  }
  summary.tensors = static_cast<int64_t>(tensors.size());
  const ModelFolder base(config["model"].get<std::string>());
  base.write_with_component(ModelComponent::Transformer, out,
                            [&](const std::string& weights) { save_safetensors(weights, tensors); });
  return summary;
}

}  // namespace viva
