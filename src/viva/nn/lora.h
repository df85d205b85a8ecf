#pragma once
// LoRA (low-rank adaptation) of a model's Linear layers: W' = W + (alpha / r) · B·A with A
// [r, in] Gaussian-initialised and B [out, r] zero, so an attached adapter starts as the
// identity. While training, each target computes x·Wᵀ + s·(x·Aᵀ)·Bᵀ beside its frozen weight
// (AdaptableLinear), so W + s·B·A is never formed; merge() writes the sum into the layer for
// inference and unmerge() restores it. Adapters save and load alone as safetensors
// ("<layer path>.lora_A.weight", ".lora_B.weight"; metadata rank, alpha, targets).
#include <torch/torch.h>

#include "viva/nn/adaptable_linear.h"

#include <string>
#include <vector>

namespace viva {

struct LoraOptions {
  int64_t rank = 64;
  double alpha = 128.0;
  // Last path component of the Linear layers to adapt. Default: the attention projections of
  // both streams (double blocks) and the fused linear1 / linear2 of the single-stream blocks.
  std::vector<std::string> targets = {"img_attn_qkv", "img_attn_proj", "txt_attn_qkv", "txt_attn_proj", "linear1",
                                      "linear2"};
  double init_std = 0.0;  // std of A's Gaussian init; 0: 1 / rank
};

// The options a LoRA file was saved with (its metadata).
LoraOptions lora_options_from_file(const std::string& path);

class LoraAdapter : public torch::nn::Module {
 public:
  // Attaches to every matching AdaptableLinear of `model` (the branch is live at once) and
  // freezes the model's own parameters.
  LoraAdapter(torch::nn::Module& model, LoraOptions options);

  const LoraOptions& options() const { return options_; }
  int64_t layers() const { return static_cast<int64_t>(layers_.size()); }
  double scale() const { return scale_ * strength_; }
  // Multiplies the adapter's effect (viva edit --lora-scale; 0 is the frozen model).
  void set_strength(double strength);

  // Inference: fold s·B·A into W (no graph) and drop the branch; unmerge() subtracts it again
  // (a weight held in bf16 comes back within a rounding of itself).
  void merge();
  void unmerge();

  void save_file(const std::string& path) const;
  // Reads an adapter saved by save_file() for the same model (ranks and targets must match).
  void load_file(const std::string& path);

 private:
  struct Layer {
    std::string path;
    AdaptableLinear linear{nullptr};
    torch::Tensor a, b;
  };
  LoraOptions options_;
  double scale_ = 1.0, strength_ = 1.0;
  bool merged_ = false;
  std::vector<Layer> layers_;

  void attach_branches();
};

}  // namespace viva
