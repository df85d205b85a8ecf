#pragma once
// Activation checkpointing: run a piece of a network without keeping its intermediate
// activations, and run it again during backward to get them. Trades one extra forward of the
// piece for its activation memory (what makes large DiT configurations trainable).
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace viva {

using CheckpointedBody = std::function<std::vector<torch::Tensor>(const std::vector<torch::Tensor>&)>;

// Returns body(inputs). Every tensor whose gradient is wanted must be among `inputs` (parameters
// used inside `body` get theirs during the recomputation, even when no input wants one); `body` must be deterministic. The
// autocast state of the forward (CPU and CUDA) is restored for the recomputation. `after_backward`, when
// given, runs once the recomputed body's gradients are in place (sharded training hands them
// on and frees the gathered parameters there).
std::vector<torch::Tensor> checkpointed(const CheckpointedBody& body, const std::vector<torch::Tensor>& inputs,
                                        std::function<void()> after_backward = {});

}  // namespace viva
