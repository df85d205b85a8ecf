#include "viva/models/llava/vlm_instructor.h"

#include "viva/core/error.h"
#include "viva/models/clip/clip_image_processor.h"

namespace viva {

VlmInstructor::VlmInstructor(LlavaModel model, const BpeTokenizer& tokenizer, VlmInstructorOptions options)
    : model_(std::move(model)), tokenizer_(tokenizer), options_(std::move(options)) {
  if (options_.keep_after_layer < 1 || options_.keep_after_layer > model_->options.text.num_layers)
    throw Error("VLM instructor", "keep_after_layer must be within 1.." + std::to_string(model_->options.text.num_layers));
  if (options_.image_stride < 1) throw Error("VLM instructor", "image_stride must be at least 1");
}

VlmInstructor::Prompt VlmInstructor::build_prompt(const std::string& instruction, bool with_reference) const {
  Prompt p;
  auto append = [&](const std::string& text) {
    for (int id : tokenizer_.encode(text)) p.ids.push_back(id);
  };
  p.ids.push_back(tokenizer_.token_id("<|begin_of_text|>"));
  append("<|start_header_id|>system<|end_header_id|>\n\n" + options_.system_prompt +
         "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n");
  if (options_.first_frame) {
    p.ids.push_back(model_->options.image_token_id);
    append("\nThis is the first frame of the source video.\n");
  }
  if (with_reference) {
    p.ids.push_back(model_->options.image_token_id);
    append("\nThis is the reference image.\n");
  }
  append("Instruction:");
  p.instruction_begin = static_cast<int64_t>(p.ids.size());
  std::vector<int> words = instruction.empty() ? std::vector<int>{} : tokenizer_.encode(" " + instruction);
  if (static_cast<int64_t>(words.size()) > options_.max_instruction_tokens) {
    p.instruction_tokens_dropped = static_cast<int64_t>(words.size()) - options_.max_instruction_tokens;
    words.resize(static_cast<std::size_t>(options_.max_instruction_tokens));  // truncation, as the reference tokenizer call
  }
  for (int id : words) p.ids.push_back(id);
  p.ids.push_back(tokenizer_.token_id("<|eot_id|>"));
  p.instruction_end = static_cast<int64_t>(p.ids.size());
  return p;
}

InstructorOutput VlmInstructor::encode(const std::string& instruction, const Image& first_frame,
                                       const std::optional<Image>& reference) {
  torch::NoGradGuard no_grad;
  const auto device = model_->language_model->embed_tokens->weight.device();
  const auto dtype = model_->language_model->embed_tokens->weight.scalar_type();
  const Prompt prompt = build_prompt(instruction, reference.has_value());

  std::vector<torch::Tensor> pixels;
  if (options_.first_frame) pixels.push_back(clip_preprocess(first_frame, model_->options.vision.image_size));
  if (reference) pixels.push_back(clip_preprocess(*reference, model_->options.vision.image_size));
  torch::Tensor features;
  if (!pixels.empty()) features = model_->image_features(torch::stack(pixels).to(device, dtype));

  auto ids = torch::tensor(prompt.ids, torch::kInt64).unsqueeze(0).to(device);
  SplicedInput input = model_->splice(ids, features);
  auto hidden = model_->language_model->forward(input.embeddings, {}, {}, options_.keep_after_layer, false);

  // Spliced positions shift by (image_length - 1) per image before them.
  const int64_t shift = static_cast<int64_t>(input.image_starts.size()) * (input.image_length - 1);
  std::vector<torch::Tensor> kept;
  for (int64_t start : input.image_starts)
    kept.push_back(hidden.narrow(1, start, input.image_length).slice(1, 0, input.image_length, options_.image_stride));
  InstructorOutput out;
  out.instruction_tokens_dropped = prompt.instruction_tokens_dropped;
  for (const auto& k : kept) out.image_tokens += k.size(1);
  kept.push_back(hidden.narrow(1, prompt.instruction_begin + shift, prompt.instruction_end - prompt.instruction_begin));
  out.tokens = torch::cat(kept, 1);
  out.mask = torch::ones({1, out.tokens.size(1)}, torch::TensorOptions().dtype(torch::kInt64).device(device));
  return out;
}

int64_t instructor_token_budget(const LlavaOptions& llava, const VlmInstructorOptions& options) {
  const int64_t image_length = llava.vision.num_patches();  // CLS dropped (image_features)
  const int64_t per_image = (image_length + options.image_stride - 1) / options.image_stride;
  const int64_t images = (options.first_frame ? 1 : 0) + 1;  // the first frame, a reference
  return images * per_image + options.max_instruction_tokens + 1;
}

InstructorOutput pad_instructor_output(const InstructorOutput& output, int64_t length) {
  const int64_t n = output.tokens.size(1);
  InstructorOutput padded = output;
  if (n >= length) {
    padded.tokens = output.tokens.narrow(1, 0, length);
    padded.mask = output.mask.narrow(1, 0, length);
    padded.tokens_dropped = n - length;
    return padded;
  }
  padded.tokens = torch::cat({output.tokens, torch::zeros({1, length - n, output.tokens.size(2)}, output.tokens.options())}, 1);
  padded.mask = torch::cat({output.mask, torch::zeros({1, length - n}, output.mask.options())}, 1);
  return padded;
}

}  // namespace viva
