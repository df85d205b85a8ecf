#include "viva/train/dit_scale_options.h"

#include "viva/core/config.h"
#include "viva/core/error.h"

namespace viva {

void DitScaleOptions::read_scale_keys(ConfigReader& r) {
  r.get("dtype", dtype);
  r.get("activation_checkpointing", activation_checkpointing);
  r.get("sharding", sharding);
  r.get("sequence_parallel", sequence_parallel);
}

void DitScaleOptions::check_scale_keys(const std::string& path) const {
  if (dtype != "fp32" && dtype != "bf16") throw Error(path, "dtype must be \"fp32\" or \"bf16\", not \"" + dtype + "\"");
  if (sharding != "none" && sharding != "full")
    throw Error(path, "sharding must be \"none\" or \"full\", not \"" + sharding + "\"");
  if (sharding == "full" && !activation_checkpointing)
    throw Error(path, "sharding \"full\" needs activation_checkpointing (a block is gathered again to be recomputed)");
  if (sequence_parallel < 1) throw Error(path, "sequence_parallel must be at least 1");
}

void DitScaleOptions::add_scale_keys(nlohmann::json& json) const {
  json.update({{"dtype", dtype},
               {"activation_checkpointing", activation_checkpointing},
               {"sharding", sharding},
               {"sequence_parallel", sequence_parallel}});
}

bool DitScaleOptions::autocast(const std::string& trainer) const {
  if (dtype != "fp32" && dtype != "bf16") throw Error(trainer, "dtype must be fp32 or bf16 (autocast), not " + dtype);
  return dtype == "bf16";
}

}  // namespace viva
