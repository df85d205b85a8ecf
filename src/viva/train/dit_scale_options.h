#pragma once
// The keys SFT and Edit-GRPO share for training the DiT at scale, flat in their JSON files:
// compute dtype, activation checkpointing, fully sharded parameters, sequence parallelism.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace viva {

class ConfigReader;

struct DitScaleOptions {
  // "fp32", or "bf16": autocast (on the CPU too), with float32 weights for what trains.
  std::string dtype = "fp32";
  bool activation_checkpointing = false;  // recompute the DiT's blocks in backward
  // "none": every rank holds the whole DiT; "full": each rank keeps 1/W of each of its units (the
  // embedders, each block), gathered as it runs and again when recomputed, so it needs
  // activation_checkpointing.
  std::string sharding = "none";
  // Ranks that share each sample, its image tokens split among them (Ulysses, nn/
  // sequence_parallel.h): consecutive ranks form a group.
  int64_t sequence_parallel = 1;

  void read_scale_keys(ConfigReader& reader);
  // Throws naming `path` unless dtype is fp32 or bf16, sharding none or full (full with
  // activation_checkpointing) and sequence_parallel >= 1.
  void check_scale_keys(const std::string& path) const;
  void add_scale_keys(nlohmann::json& json) const;
  // Whether training runs under bf16 autocast; throws naming `trainer` for a dtype that is
  // neither (a config built in code, not read).
  bool autocast(const std::string& trainer) const;
};

}  // namespace viva
