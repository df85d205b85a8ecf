#pragma once
// The Llama decoder (Llama-3: GQA, RoPE theta 500000, RMSNorm, SwiGLU), with module names
// equal to Hugging Face's LlamaModel (embed_tokens, layers.{i}.self_attn.q_proj, ..., norm) so a
// checkpoint loads by name; see llama_checkpoint.h for the prefixes of the published layouts.
#include <torch/torch.h>

#include "viva/models/llama/llama_options.h"
#include "viva/nn/rms_norm.h"

namespace viva {

struct LlamaAttentionImpl : torch::nn::Module {
  explicit LlamaAttentionImpl(const LlamaOptions& o);
  // x: [B, L, D]; cos/sin: [B, 1, L, head_dim]; mask: additive [B, 1, L, L]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask);

  LlamaOptions options;
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
};
TORCH_MODULE(LlamaAttention);

struct LlamaMlpImpl : torch::nn::Module {
  explicit LlamaMlpImpl(const LlamaOptions& o);
  torch::Tensor forward(const torch::Tensor& x);  // down(silu(gate(x)) * up(x))

  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaMlp);

struct LlamaDecoderLayerImpl : torch::nn::Module {
  explicit LlamaDecoderLayerImpl(const LlamaOptions& o);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask);

  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  LlamaAttention self_attn{nullptr};
  LlamaMlp mlp{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

struct LlamaModelImpl : torch::nn::Module {
  explicit LlamaModelImpl(const LlamaOptions& o);

  // ids: [B, L] int64 -> [B, L, D]
  torch::Tensor embed(const torch::Tensor& ids);

  // Runs the decoder causally over embeddings [B, L, D].
  //   attention_mask: [B, L] (1 = real token) or undefined for all-valid;
  //   position_ids: [B, L] or undefined for 0..L-1 (LLaVA passes cumsum(mask) - 1);
  //   stop_after_layer: 1-based; the residual stream after that layer is returned (-1: all);
  //   final_norm: apply the final RMSNorm (Hugging Face's last hidden state) or not.
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& attention_mask = {},
                        const torch::Tensor& position_ids = {}, int64_t stop_after_layer = -1, bool final_norm = true);

  // hidden [B, L, D] (final-normed) -> logits [B, L, vocab]; needs with_lm_head.
  torch::Tensor logits(const torch::Tensor& hidden);

  LlamaOptions options;
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers;
  RmsNorm norm{nullptr};
  torch::nn::Linear lm_head{nullptr};
};
TORCH_MODULE(LlamaModel);

}  // namespace viva
