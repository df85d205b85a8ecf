#include "viva/models/viclip/viclip_checkpoint.h"

#include "viva/core/error.h"
#include "viva/core/strings.h"

namespace viva {

WeightLoadReport load_viclip(ViclipModel& model, const Checkpoint& checkpoint) {
  std::string prefix;
  for (const std::string candidate : {"", "model.", "module.", "model.module."})
    if (checkpoint.contains(candidate + "vision_encoder.class_embedding")) {
      prefix = candidate;
      break;
    }
  if (!checkpoint.contains(prefix + "vision_encoder.class_embedding"))
    throw Error(checkpoint.path(), "no ViCLIP found (vision_encoder.class_embedding, also under model. or module.)");
  WeightLoadOptions options;
  options.set_name_map([prefix](const std::string& name) { return prefix + name; });
  options.set_ignore([prefix](const std::string& name) { return !starts_with(name, prefix); });
  options.set_allow_missing([](const std::string& name) { return name == "temp"; });  // training only
  return load_weights(*model, checkpoint, options);
}

}  // namespace viva
