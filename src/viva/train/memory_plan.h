#pragma once
// `viva train sft|grpo --plan-memory`: the bytes a rank holds while training the DiT, before
// anything is loaded. Weights, gradients and AdamW state are exact counts (dit_size.h);
// activations are an estimate: a block holds about 17 values per token and hidden unit
// (Korthikanti et al. 2022's 34·s·b·h bytes at 16 bits, attention scores not kept, as with
// flash / memory-efficient attention), and with activation checkpointing only each block's
// input stays, plus one block recomputed at a time.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "viva/models/dit/dit_size.h"
#include "viva/nn/lora.h"

namespace viva {

struct MemoryPlanOptions {
  int64_t world_size = 1;
  bool sharded = false;  // fully sharded (ZeRO-3): weights, gradients and AdamW state split W ways
  bool bf16 = false;     // autocast compute (activations and the gathered units in bf16)
  bool activation_checkpointing = false;
  int64_t batch = 1;     // samples in a rank's micro-batch (Edit-GRPO: its members of a group)
  int64_t tokens = 0;    // per sample: image tokens + text tokens
  // Edit-GRPO: the DiT is frozen (float32, no gradients) and only this LoRA trains.
  std::optional<LoraOptions> lora;
};

struct MemoryPlan {
  struct Line {
    std::string what;
    double bytes = 0;
  };
  int64_t parameters = 0;          // the DiT's
  int64_t trained_parameters = 0;  // the DiT's, or the LoRA's
  std::vector<Line> lines;
  double total() const;
  // The lines as an aligned table in GB (10^9 bytes), with the total.
  std::string table() const;
};

MemoryPlan plan_dit_training_memory(const DitOptions& dit, const MemoryPlanOptions& options);

// Parameters of a LoRA with these options on the DiT.
int64_t lora_parameter_count(const DitOptions& dit, const LoraOptions& lora);

}  // namespace viva
