#pragma once
// Loading ViCLIP from the reference's state_dict names (viclip_model.h): the released
// `ViClip-InternVid-10M-FLT.pth` (a PyTorch pickle, read by Checkpoint), also when the state
// dict sits under "model" or carries DistributedDataParallel's "module." prefix.
#include "viva/core/checkpoint.h"
#include "viva/models/viclip/viclip_model.h"
#include "viva/nn/weight_loading.h"

namespace viva {

WeightLoadReport load_viclip(ViclipModel& model, const Checkpoint& checkpoint);

}  // namespace viva
