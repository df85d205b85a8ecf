#pragma once
// The VIVA editing pipeline over a model folder (viva_model_config.h): conditions from the
// source video, the instruction and an optional reference image (VAE latents, the VLM
// instructor's tokens for the instruction and for the empty instruction, CLIP pooled vectors);
// sampling the edited latent with instruction-only classifier-free guidance; decoding.
// `viva edit` runs these stages in order; `viva data encode` caches the conditions for training.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "viva/diffusion/flow_sampler.h"
#include "viva/io/image.h"
#include "viva/io/video_frames.h"
#include "viva/models/clip/clip_model.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/models/llava/llava_model.h"
#include "viva/models/vae/causal_vae.h"
#include "viva/nn/lora.h"
#include "viva/pipeline/model_folder.h"
#include "viva/pipeline/viva_model_config.h"
#include "viva/tokenizers/bpe_tokenizer.h"
#include "viva/tokenizers/clip_tokenizer.h"

namespace viva {

// Everything the DiT is conditioned on, for one edit (batch 1, on the pipeline's device).
struct EditConditions {
  torch::Tensor source;         // [1, C, T', H', W'] scaled VAE latent of the source video
  torch::Tensor reference;      // [1, C, 1, H', W'] of the reference image, or undefined
  torch::Tensor tokens, mask;   // [1, text_tokens, D], [1, text_tokens]: the instruction
  torch::Tensor uncond_tokens, uncond_mask;  // the same prompt with an empty instruction
  torch::Tensor pooled, uncond_pooled;       // [1, pooled_dim] CLIP text of instruction / ""
};
// The same conditions with every tensor on `device`.
EditConditions conditions_on(const EditConditions& c, torch::Device device);

// How the components share the device's memory.
enum class Offload {
  None,    // all loaded at the start and kept: the fastest, needs memory for every component
  Model,   // the encoders are freed once the conditions are encoded, then the DiT comes in
  Blocks,  // as Model, and the DiT's blocks stay in host memory, each brought in as it runs
};
// "none", "model" or "blocks"; throws naming `where` otherwise.
Offload offload_from_name(const std::string& name, const std::string& where);

// Which components to load: editing needs all; decoding-only or training jobs need fewer.
struct PipelineParts {
  bool transformer = true;
  bool vae = true;
  bool encoders = true;  // VLM instructor and CLIP text
  // Accept a text-to-video transformer (no context projector): the pretraining stage before
  // VIVA's (text_to_video.h). Such a pipeline trains and encodes captions but does not edit.
  bool text_to_video = false;
  Offload offload = Offload::Model;
  // The DiT's linear and convolution weights held in this dtype, from the start: a DiT frozen
  // under autocast (Edit-GRPO's, nn/autocast_weights.h).
  std::optional<torch::ScalarType> transformer_autocast_weights;

  // The DiT alone: training and measuring it on a condition cache.
  static PipelineParts transformer_only() {
    PipelineParts p;
    p.vae = p.encoders = false;
    return p;
  }
  // The VAE alone: round trips of clips.
  static PipelineParts vae_only() {
    PipelineParts p;
    p.transformer = p.encoders = false;
    return p;
  }
  // What encoding a dataset needs: the VAE, the VLM and CLIP.
  static PipelineParts encoders_and_vae() {
    PipelineParts p;
    p.transformer = false;
    return p;
  }
};

// HunyuanVideo's system prompt for text-to-video prompts (hunyuanvideo.md, "dit-llm-encode-video").
extern const char* const kTextToVideoSystemPrompt;

class VivaPipeline {
 public:
  VivaPipeline(const std::string& model_folder, torch::Device device, torch::ScalarType dtype,
               PipelineParts parts = {});

  const ModelFolder& model() const { return model_; }
  const VivaModelConfig& config() const { return model_.config(); }
  torch::Device device() const { return device_; }

  // `video` already at the working size and a 4k+1 frame count; `reference` any size (it is
  // resized and cropped to the video's size).
  EditConditions encode(const VideoFrames& video, const std::string& instruction,
                        const std::optional<Image>& reference = std::nullopt);
  // A caption's conditions for text-to-video pretraining: the instructor's prompt without any
  // image and with kTextToVideoSystemPrompt; `source` and `reference` stay undefined.
  EditConditions encode_caption(const std::string& caption);
  // The length conditions are padded to: the model folder's text_tokens, or the instructor's
  // budget (instructor_token_budget). Needs the encoders.
  int64_t text_tokens() const;
  // Frees the VLM and CLIP (their memory is not needed while sampling); kept with Offload::None.
  void release_encoders();

  // Samples the edited latent; `on_step(done, steps)` after each step. It starts from `noise`
  // (undefined: seeded_noise of the source's shape and the options' seed); `known` [1, C, K,
  // H', W'], when given, fixes the first K latent frames (KnownFramesStep).
  torch::Tensor sample(const EditConditions& conditions, const SamplingOptions& options,
                       const std::function<void(int, int)>& on_step = {}, const torch::Tensor& noise = {},
                       const torch::Tensor& known = {});
  // Standard normal noise drawn on the CPU from the seed alone, so a seed gives the same noise on
  // any device (the edit differs by the device's arithmetic); returned on the pipeline's device.
  torch::Tensor seeded_noise(at::IntArrayRef sizes, uint64_t seed) const;
  // The guided velocity for a batch of B samples of one edit (conditions broadcast over B), as
  // sampling uses it: classifier-free guidance on the instruction; at guidance 1 the
  // unconditional branch is never evaluated. Differentiable when called with grad enabled. The
  // conditions may be on the host: they are brought to the device once, here.
  VelocityFn guided_velocity(const EditConditions& conditions, double guidance, double embedded_guidance);
  // The DiT's velocity for a batch of conditions at timesteps t (used by sampling and training);
  // `source` is undefined for a text-to-video transformer.
  torch::Tensor velocity(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& source,
                         const torch::Tensor& reference, const torch::Tensor& tokens, const torch::Tensor& mask,
                         const torch::Tensor& pooled, double embedded_guidance);

  torch::Tensor encode_video(const VideoFrames& video);  // -> scaled latent [1, C, T', H', W']
  VideoFrames decode(const torch::Tensor& latent, double fps);

  // Merges a LoRA file (LoraAdapter::save) into the transformer, its effect times `strength`
  // (when the transformer comes in, if it has not yet; with Offload::Blocks, before then only).
  void apply_lora(const std::string& path, double strength = 1.0);
  // Splits the transformer's image tokens over `sp`'s ranks (HunyuanDit::split_sequence), when
  // it comes in if it has not yet. Every rank then runs the same calls.
  void split_sequence(std::shared_ptr<SequenceParallel> sp);

  // The transformer, loaded on first use (at the start with Offload::None): editing encodes
  // the conditions and frees the encoders before it, so the encoders and the DiT are never
  // resident together.
  HunyuanDit& transformer();
  // What came in and went out, in order: "load vae", "load instructor", "load clip",
  // "free encoders", "load transformer" (with Offload::Blocks: "load transformer to host",
  // "stream transformer blocks").
  const std::vector<std::string>& residency() const { return residency_; }
  CausalVae& vae() { return vae_; }

 private:
  torch::Tensor clip_pooled(const std::string& text);

  ModelFolder model_;
  torch::Device device_;
  torch::ScalarType dtype_;
  HunyuanDit transformer_{nullptr};
  CausalVae vae_{nullptr};
  LlavaModel vlm_{nullptr};
  ClipTextTransformer clip_text_{nullptr};
  std::optional<BpeTokenizer> tokenizer_;
  std::optional<ClipTokenizer> clip_tokenizer_;
  void merge_lora(const std::pair<std::string, double>& lora);

  std::shared_ptr<LoraAdapter> lora_;
  std::optional<std::pair<std::string, double>> lora_pending_;
  std::shared_ptr<SequenceParallel> sequence_parallel_;
  bool transformer_wanted_ = false;
  Offload offload_;
  std::optional<torch::ScalarType> transformer_autocast_weights_;
  std::vector<std::string> residency_;
};

}  // namespace viva
