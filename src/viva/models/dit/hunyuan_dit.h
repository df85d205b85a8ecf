#pragma once
// The HunyuanVideo diffusion transformer with VIVA's context projector (paper §3.2, Eq. 2) and
// optional clean reference frame (viva.md §2). Module names are the original Tencent ones;
// dit_checkpoint.h maps the diffusers layout onto them.
#include <torch/torch.h>

#include <array>

#include <memory>

#include "viva/models/dit/dit_blocks.h"
#include "viva/models/dit/dit_layers.h"
#include "viva/nn/block_offload.h"
#include "viva/nn/sharded_units.h"

namespace viva {

struct DitInput {
  torch::Tensor x;            // [B, C, T, H, W] noisy latent
  torch::Tensor source;       // [B, C, T, H, W] source video latent (needs options.context_projector)
  torch::Tensor reference;    // [B, C, 1, H, W] clean reference latent, or undefined
  torch::Tensor t;            // [B] timestep in [0, 1000]
  torch::Tensor text;         // [B, L, text_dim] instructor / LLM states
  torch::Tensor text_mask;    // [B, L], 1 = valid (undefined: all valid)
  torch::Tensor pooled;       // [B, pooled_dim] CLIP pooled text vector
  torch::Tensor guidance;     // [B] = 1000 x embedded guidance scale (guidance-distilled models)
};

struct DitTrace {
  torch::Tensor img_tokens;                // after img_in (and the context projector)
  torch::Tensor txt_after_refiner;         // after txt_in, the valid tokens (valid_text)
  std::vector<torch::Tensor> img_after_double;
};

struct HunyuanDitImpl : torch::nn::Module {
  explicit HunyuanDitImpl(const DitOptions& o);

  // Velocity prediction [B, out_channels, T, H, W] (the reference frame, if any, is dropped).
  torch::Tensor forward(const DitInput& input, DitTrace* trace = nullptr);

  // VIVA's initialisation from text-to-video weights: src_in copies img_in and the projector
  // becomes [I | 0] with zero bias, so the model equals the T2V model at step 0.
  void init_context_projector_from_t2v();

  // Inference with the blocks in host memory, each brought onto `device` as it runs
  // (BlockOffload); everything else moves to `device` now.
  void offload_blocks(torch::Device device);

  // Ulysses sequence parallelism (nn/sequence_parallel.h): every rank of `sp`'s group runs the
  // same inputs, the blocks see 1/S of the image tokens each, and forward returns the whole
  // output on every rank. Null: off. Throws unless the ranks divide the heads.
  void split_sequence(std::shared_ptr<SequenceParallel> sp);

  // Fully sharded training: the parameters grouped into units, in the order sharded_units
  // numbers them: the embedders (everything outside the blocks) first, then each double and
  // each single block.
  // Each parameter under its checkpoint name.
  std::vector<std::vector<std::pair<std::string, torch::Tensor>>> parameter_units();

  DitOptions options;
  // Training only: recompute each block's activations in backward instead of keeping them.
  bool activation_checkpointing = false;
  // Set for fully sharded training (with activation checkpointing): each block's unit is
  // gathered as it runs (again when it is recomputed) and released after, and its gradients
  // are handed to the shards once its backward is done; the embedders' unit is gathered for
  // the whole step (the trainer reduces and releases it). Frozen units (Edit-GRPO's DiT under
  // its LoRA) are gathered and released alike, with no gradients.
  std::shared_ptr<ShardedUnits> sharded_units;
  PatchEmbed img_in{nullptr};
  PatchEmbed src_in{nullptr};                         // VIVA
  torch::nn::Linear context_projector{nullptr};       // VIVA
  TokenRefiner txt_in{nullptr};
  TimestepEmbedder time_in{nullptr};
  MlpEmbedder vector_in{nullptr};
  TimestepEmbedder guidance_in{nullptr};
  torch::nn::ModuleList double_blocks{nullptr}, single_blocks{nullptr};
  FinalLayer final_layer{nullptr};
  std::shared_ptr<BlockOffload> block_offload;  // set by offload_blocks
  std::shared_ptr<SequenceParallel> sequence_parallel;  // set by split_sequence

 private:
  // The RoPE tables of the last (T, H, W, first time index, device): every sampling step of
  // an edit asks for the same ones.
  struct RopeTables {
    std::array<int64_t, 4> key{};
    torch::Device device = torch::kCPU;
    torch::Tensor cos, sin;
  };
  RopeTables rope_cache_;
  std::pair<torch::Tensor, torch::Tensor> rope_tables(int64_t T, int64_t H, int64_t W, int64_t t_start,
                                                      torch::Device device);
};
TORCH_MODULE(HunyuanDit);

// Tensor names VIVA adds to the HunyuanVideo layout.
bool is_viva_dit_tensor(const std::string& name);

}  // namespace viva
