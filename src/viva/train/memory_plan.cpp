#include "viva/train/memory_plan.h"

#include <algorithm>
#include <cstdio>

namespace viva {

double MemoryPlan::total() const {
  double sum = 0;
  for (const Line& l : lines) sum += l.bytes;
  return sum;
}

std::string MemoryPlan::table() const {
  std::string out;
  char row[160];
  for (const Line& l : lines) {
    std::snprintf(row, sizeof row, "  %-52s %9.2f GB\n", l.what.c_str(), l.bytes / 1e9);
    out += row;
  }
  std::snprintf(row, sizeof row, "  %-52s %9.2f GB\n", "total", total() / 1e9);
  return out + row;
}

int64_t lora_parameter_count(const DitOptions& dit, const LoraOptions& lora) {
  int64_t count = 0;
  for (const DitLinearShape& l : dit_adaptable_linears(dit))
    if (std::find(lora.targets.begin(), lora.targets.end(), l.name) != lora.targets.end())
      count += l.count * lora.rank * (l.in + l.out);
  return count;
}

MemoryPlan plan_dit_training_memory(const DitOptions& dit, const MemoryPlanOptions& o) {
  const DitParameterCounts counts = dit_parameter_counts(dit);
  MemoryPlan plan;
  plan.parameters = counts.total();
  const auto P = static_cast<double>(plan.parameters);
  const double compute_bytes = o.bf16 ? 2.0 : 4.0;
  const double shards = o.sharded ? static_cast<double>(o.world_size) : 1.0;
  const int64_t largest_block = std::max(counts.double_block, counts.single_block);
  const std::string part = o.sharded ? " (1/" + std::to_string(o.world_size) + " each)" : "";
  // Under bf16 the frozen DiT (Edit-GRPO) and the gathered units (sharded) have their matrices
  // in bf16 and their vectors (biases, norms) in float32.
  const std::string held = o.bf16 ? "bf16 matrices)" : "float32)";
  const auto held_bytes = [&](int64_t all, int64_t vectors) {
    return o.bf16 ? 2.0 * static_cast<double>(all - vectors) + 4.0 * static_cast<double>(vectors)
                  : 4.0 * static_cast<double>(all);
  };
  if (o.lora) {
    // The frozen DiT is whole on every rank, or sharded; the LoRA is small enough never to be.
    plan.trained_parameters = lora_parameter_count(dit, *o.lora);
    const auto L = static_cast<double>(plan.trained_parameters);
    plan.lines.push_back({"DiT weights (frozen, " + held + part, held_bytes(counts.total(), counts.vectors()) / shards});
    plan.lines.push_back({"LoRA weights (float32)", 4 * L});
    plan.lines.push_back({"LoRA gradients (float32)", 4 * L});
    plan.lines.push_back({"AdamW state (2 x float32)", 8 * L});
  } else {
    plan.trained_parameters = plan.parameters;
    plan.lines.push_back({"weights (float32 master)" + part, 4 * P / shards});
    plan.lines.push_back({"gradients (float32)" + part, 4 * P / shards});
    plan.lines.push_back({"AdamW state (2 x float32)" + part, 8 * P / shards});
    // Autocast's bf16 copies of the weights, kept for backward; with checkpointing the blocks'
    // are made again when recomputed, so only the embedders' and one block's live at a time.
    // (Sharded, the units are gathered in bf16 already.)
    if (o.bf16 && !o.sharded)
      plan.lines.push_back({"autocast weight copies (bf16)",
                            o.activation_checkpointing ? 2.0 * static_cast<double>(counts.embedders + largest_block)
                                                       : 2 * P});
  }
  if (o.sharded)  // gathered whole: the embedders for the step, one block at a time
    plan.lines.push_back({"gathered: embedders + largest block (" + held,
                          held_bytes(counts.embedders, counts.embedder_vectors) +
                              std::max(held_bytes(counts.double_block, counts.double_block_vectors),
                                       held_bytes(counts.single_block, counts.single_block_vectors))});
  // Activations of one micro-batch: S tokens x h hidden x b samples per block.
  const double tokens_hidden = static_cast<double>(o.tokens) * static_cast<double>(dit.hidden_size) *
                               static_cast<double>(o.batch);
  const double blocks = static_cast<double>(dit.double_blocks + dit.single_blocks);
  const double per_block = 17.0 * compute_bytes * tokens_hidden;
  if (o.activation_checkpointing) {
    plan.lines.push_back({"activations: block inputs (checkpointed)", blocks * compute_bytes * tokens_hidden});
    plan.lines.push_back({"activations: one block recomputed (estimate)", per_block});
  } else {
    plan.lines.push_back({"activations: every block (estimate)", blocks * per_block});
  }
  return plan;
}

}  // namespace viva
