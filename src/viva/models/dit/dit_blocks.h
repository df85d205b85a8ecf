#pragma once
// The DiT's transformer blocks (hunyuanvideo.md §1.4–1.6), original Tencent names.
#include <torch/torch.h>

#include "viva/models/dit/dit_layers.h"
#include "viva/nn/rms_norm.h"
#include "viva/nn/sequence_parallel.h"

namespace viva {

// What every block is modulated by. `ref_tokens` leading image tokens (VIVA's clean reference
// frame) use `ref_vec` (the timestep-0 vector) instead of `vec`, as HunyuanVideo-I2V's
// token_replace does for its first frame.
struct DitConditioning {
  torch::Tensor vec;      // [B, hidden]
  torch::Tensor ref_vec;  // [B, hidden] or undefined
  int64_t ref_tokens = 0;
};

// Linear(SiLU(vec)) split into `chunks` parts, each [B, D], or [B, tokens, D] when some leading
// tokens take the reference vector.
struct ModulationImpl : torch::nn::Module {
  ModulationImpl(int64_t hidden, int64_t chunks);
  std::vector<torch::Tensor> forward(const DitConditioning& cond, int64_t tokens);
  std::vector<torch::Tensor> forward_plain(const torch::Tensor& vec);
  int64_t chunks;
  torch::nn::Linear linear{nullptr};
};
TORCH_MODULE(Modulation);

// Joint attention inputs for one stream: q, k, v [B, S, heads, head_dim].
struct StreamQkv {
  torch::Tensor q, k, v;
};

struct DoubleStreamBlockImpl : torch::nn::Module {
  explicit DoubleStreamBlockImpl(const DitOptions& o);
  // img: [B, N, D], txt: [B, L, D]; mask: additive over keys [B, 1, 1, N + L]; cos/sin: [N, head_dim]
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& img, const torch::Tensor& txt,
                                                  const DitConditioning& cond, const torch::Tensor& mask,
                                                  const torch::Tensor& cos, const torch::Tensor& sin);

  int64_t heads;
  Modulation img_mod{nullptr}, txt_mod{nullptr};
  // AdaptableLinear: where a LoRA attaches (nn/lora.h).
  AdaptableLinear img_attn_qkv{nullptr}, img_attn_proj{nullptr}, txt_attn_qkv{nullptr}, txt_attn_proj{nullptr};
  RmsNorm img_attn_q_norm{nullptr}, img_attn_k_norm{nullptr}, txt_attn_q_norm{nullptr}, txt_attn_k_norm{nullptr};
  DitMlp img_mlp{nullptr}, txt_mlp{nullptr};
  // Set when the image tokens are split over ranks (img is then this rank's shard; the mask
  // still covers the whole sequence's keys).
  const SequenceParallel* sequence_parallel = nullptr;
};
TORCH_MODULE(DoubleStreamBlock);

struct SingleStreamBlockImpl : torch::nn::Module {
  explicit SingleStreamBlockImpl(const DitOptions& o);
  // x: [B, N + L, D] (image tokens first); RoPE on the first N tokens.
  torch::Tensor forward(const torch::Tensor& x, int64_t image_tokens, const DitConditioning& cond,
                        const torch::Tensor& mask, const torch::Tensor& cos, const torch::Tensor& sin);

  int64_t heads, hidden, mlp_hidden;
  AdaptableLinear linear1{nullptr}, linear2{nullptr};
  RmsNorm q_norm{nullptr}, k_norm{nullptr};
  Modulation modulation{nullptr};
  const SequenceParallel* sequence_parallel = nullptr;  // as DoubleStreamBlock's
};
TORCH_MODULE(SingleStreamBlock);

struct FinalLayerImpl : torch::nn::Module {
  explicit FinalLayerImpl(const DitOptions& o);
  torch::Tensor forward(const torch::Tensor& img, const torch::Tensor& vec);  // [B, N, D] -> [B, N, patch x out]

  torch::nn::Linear linear{nullptr};
  torch::nn::Sequential adaLN_modulation{nullptr};  // [SiLU, Linear(hidden -> 2 hidden)], (shift, scale)
};
TORCH_MODULE(FinalLayer);

}  // namespace viva
