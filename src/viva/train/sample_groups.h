#pragma once
// Ulysses sequence parallelism in the trainers (nn/sequence_parallel.h): groups of S consecutive
// ranks share each sample, the DiT splitting its image tokens over the group. The trainer's
// reducer then sums each group's parts of a gradient and averages over the groups
// (DataParallel(world, S), or FullySharded with S).
#include <memory>
#include <string>

#include "viva/core/distributed.h"
#include "viva/nn/sequence_parallel.h"

namespace viva {

struct SampleGroups {
  std::unique_ptr<ProcessGroup> own_group;  // this rank's group, when smaller than the world
  std::shared_ptr<SequenceParallel> split;  // for HunyuanDit / VivaPipeline::split_sequence
};

// This rank's group of `ranks_per_sample` (> 1) consecutive ranks of `world` (null: one process,
// which is refused). Errors name `command`.
SampleGroups sample_groups(ProcessGroup* world, int ranks_per_sample, const std::string& command);

}  // namespace viva
