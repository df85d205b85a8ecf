#pragma once
// A VIVA model folder (`--model DIR`): viva.json names the components and holds the defaults
// for sampling and video size; each component sits in its own sub-folder in the Hugging Face /
// diffusers layout (config.json + safetensors, sharded or not):
//
//   DIR/viva.json
//   DIR/transformer/     HunyuanVideo DiT with the context projector (DitOptions JSON)
//   DIR/vae/             causal 3D VAE (diffusers AutoencoderKLHunyuanVideo config)
//   DIR/text_encoder/    the LLaVA VLM instructor (LlavaConfig)
//   DIR/text_encoder_2/  CLIP text tower for the pooled vector (CLIPTextConfig)
//   DIR/tokenizer/tokenizer.json, DIR/tokenizer_2/<CLIP merges>
#include <cstdint>
#include <optional>
#include <string>

#include "viva/models/llava/vlm_instructor.h"

namespace viva {

struct SamplingOptions {
  int steps = 50;
  double guidance = 2.0;            // classifier-free guidance on the instruction (viva.md §2)
  double shift = 7.0;               // σ shift, HunyuanVideo's default
  double embedded_guidance = 6.0;   // for guidance-distilled backbones (multiplied by 1000)
  uint64_t seed = 0;
};

struct VivaModelConfig {
  std::string transformer = "transformer";
  std::string vae = "vae";
  std::string vlm = "text_encoder";
  std::string clip_text = "text_encoder_2";
  std::string tokenizer = "tokenizer/tokenizer.json";
  std::string clip_tokenizer = "tokenizer_2/bpe_simple_vocab_16e6.txt.gz";
  VlmInstructorOptions instructor;
  // The length the instructor's output is padded (or cut) to; empty: instructor_token_budget,
  // what the instructor can give (its images' tokens, the instruction budget, <|eot_id|>).
  std::optional<int64_t> text_tokens;
  SamplingOptions sampling;
  int width = 848, height = 480, frames = 61;  // default output size

  // Reads DIR/viva.json (unknown keys are errors naming the key and the file).
  static VivaModelConfig read(const std::string& folder);
  // Writes DIR/viva.json atomically.
  void write(const std::string& folder) const;
};

}  // namespace viva
