#pragma once
// The VLM instructor of VIVA (paper §3.1, Eq. 1; viva.md §2): instruction + first source frame
// (+ optional reference image) -> LLaVA -> the hidden states that condition the DiT.
//
// Prompt (our own text; Llama-3 chat format, BOS added here because tokenizer.json does not):
//   <|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>
//   <|start_header_id|>user<|end_header_id|>\n\n<image>\nThis is the first frame of the source video.
//   [\n<image>\nThis is the reference image.]\nInstruction: {instruction}<|eot_id|>
// With first_frame off (the paper's "Vanilla" ablation and text-to-video pretraining) the
// first-frame image and its sentence are left out and only the text (and a reference) remain.
// Kept: the residual stream after layer `keep_after_layer` (no final norm), at every
// `image_stride`-th position of each image span, then at the instruction's tokens and the
// closing <|eot_id|>; everything else (system text, headers, sentences) is cropped.
#include <torch/torch.h>

#include <optional>
#include <string>

#include "viva/io/image.h"
#include "viva/models/llava/llava_model.h"
#include "viva/tokenizers/bpe_tokenizer.h"

namespace viva {

struct VlmInstructorOptions {
  std::string system_prompt =
      "You are the instructor of a video editor. Look at the first frame of the source video and read the "
      "editing instruction; describe what must change in the video and what must stay the same.";
  int64_t keep_after_layer = 30;  // HunyuanVideo keeps the stream after layer 30 of 32
  int64_t image_stride = 4;       // keep every 4th image token (as HunyuanVideo-I2V)
  int64_t max_instruction_tokens = 256;
  bool first_frame = true;        // show the VLM the first source frame
};

struct InstructorOutput {
  torch::Tensor tokens;  // [1, K, hidden]
  torch::Tensor mask;    // [1, K] int64, all ones (pad with pad_instructor_output)
  int64_t image_tokens = 0;  // the first image_tokens rows come from images
  // Tokens left out: of the instruction beyond max_instruction_tokens (encode), of the whole
  // output beyond the padded length (pad_instructor_output). Both truncate, as HunyuanVideo's
  // text encoder does; the caller warns.
  int64_t instruction_tokens_dropped = 0, tokens_dropped = 0;
};

// The most tokens VlmInstructor::encode keeps for a model: every image's strided tokens (the
// first frame when shown, and a reference image), max_instruction_tokens and the closing
// <|eot_id|>. The length the DiT's conditions are padded to unless the model folder says.
int64_t instructor_token_budget(const LlavaOptions& llava, const VlmInstructorOptions& options);

class VlmInstructor {
 public:
  VlmInstructor(LlavaModel model, const BpeTokenizer& tokenizer, VlmInstructorOptions options = {});

  // instruction: empty for the unconditional branch (the images stay, viva.md §2). The first
  // frame is ignored when options.first_frame is off.
  InstructorOutput encode(const std::string& instruction, const Image& first_frame,
                          const std::optional<Image>& reference = std::nullopt);

  // The token ids of the prompt and where the instruction span starts/ends in them.
  struct Prompt {
    std::vector<int64_t> ids;
    int64_t instruction_begin = 0, instruction_end = 0;  // [begin, end) includes the closing <|eot_id|>
    int64_t instruction_tokens_dropped = 0;              // beyond max_instruction_tokens
  };
  Prompt build_prompt(const std::string& instruction, bool with_reference) const;

 private:
  LlavaModel model_;
  const BpeTokenizer& tokenizer_;
  VlmInstructorOptions options_;
};

// Right-pads tokens and mask to `length` tokens (zeros, mask 0); a longer output is cut to
// `length` (tokens_dropped says how many went).
InstructorOutput pad_instructor_output(const InstructorOutput& output, int64_t length);

}  // namespace viva
