#include "viva/models/clip/clip_checkpoint.h"

#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/core/strings.h"

namespace viva {
namespace {

bool is_position_ids(const std::string& name) { return ends_with(name, "embeddings.position_ids"); }

// Loads `module` from the tensors under `prefix`, ignoring everything else in the file.
WeightLoadReport load_under_prefix(torch::nn::Module& module, const Checkpoint& checkpoint, const std::string& prefix) {
  WeightLoadOptions options;
  options.set_name_map([prefix](const std::string& name) { return prefix + name; });
  options.set_ignore([prefix](const std::string& name) { return !starts_with(name, prefix) || is_position_ids(name); });
  return load_weights(module, checkpoint, options);
}

}  // namespace

WeightLoadReport load_clip(ClipModel& model, const Checkpoint& checkpoint) {
  WeightLoadOptions options;
  options.set_ignore(is_position_ids);
  return load_weights(*model, checkpoint, options);
}

WeightLoadReport load_clip_vision(ClipVisionTransformer& model, const Checkpoint& checkpoint) {
  // CLIP alone; LLaVA as transformers < 5 saves it (xtuner's checkpoints), in its >= 4.52 module
  // layout, and as transformers 5 saves it (the tower's own vision_model level dropped).
  for (const std::string prefix : {"vision_model.", "vision_tower.vision_model.", "model.vision_tower.vision_model.",
                                   "vision_tower.", "model.vision_tower."})
    if (checkpoint.contains(prefix + "embeddings.class_embedding")) return load_under_prefix(*model, checkpoint, prefix);
  throw Error(checkpoint.path(), "no CLIP vision tower found (embeddings.class_embedding under vision_model., "
                                 "[model.]vision_tower.vision_model. or [model.]vision_tower.)");
}

WeightLoadReport load_clip_text(ClipTextTransformer& model, const Checkpoint& checkpoint) {
  if (!checkpoint.contains("text_model.embeddings.token_embedding.weight"))
    throw Error(checkpoint.path(), "no CLIP text tower found (text_model.embeddings.token_embedding.weight)");
  return load_under_prefix(*model, checkpoint, "text_model.");
}

void write_clip_folder(const ClipModel& model, const std::string& folder, const std::string& merges_path) {
  namespace fs = std::filesystem;
  fs::create_directories(folder);
  save_parameters(*model, (fs::path(folder) / "model.safetensors").string());
  write_file_atomically((fs::path(folder) / "config.json").string(), model->options.to_hf_config().dump(2) + "\n");
  const fs::path merges = fs::path(folder) / fs::path(merges_path).filename();
  if (fs::absolute(merges_path) != fs::absolute(merges)) fs::copy_file(merges_path, merges, fs::copy_options::overwrite_existing);
}

}  // namespace viva
