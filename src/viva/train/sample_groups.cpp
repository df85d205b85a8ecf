#include "viva/train/sample_groups.h"

#include "viva/core/error.h"

namespace viva {

SampleGroups sample_groups(ProcessGroup* world, int ranks_per_sample, const std::string& command) {
  const int S = ranks_per_sample;
  const int ranks = world ? world->world_size() : 1;
  if (ranks % S != 0)
    throw Error(command, "sequence_parallel " + std::to_string(S) + " needs a multiple of " + std::to_string(S) +
                             " ranks (" + std::to_string(ranks) + " here; start them with viva launch, torchrun or srun)");
  SampleGroups groups;
  ProcessGroup* group = world;
  if (S < ranks) {
    const int first = world->rank() / S * S;
    groups.own_group = std::make_unique<ProcessGroup>(*world, first, S, "sequence_parallel_" + std::to_string(first / S));
    group = groups.own_group.get();
  }
  groups.split = std::make_shared<SequenceParallel>(*group);
  return groups;
}

}  // namespace viva
