#pragma once
// A CLIP model used as a scorer (rewards, metrics): L2-normalised embeddings of videos and
// texts. A video's embedding is the mean of its normalised frame embeddings over F evenly
// spaced frames, normalised again (viva.md §2, grpo.md §3).
//
// Folder layout (Hugging Face CLIPModel: openai/clip-vit-large-patch14, PickScore_v1, or a
// CLIP viva trained): config.json, model.safetensors (or an index), and the BPE merges as
// merges.txt or bpe_simple_vocab_16e6.txt.gz (also looked for under tokenizer/).
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "viva/models/clip/clip_model.h"
#include "viva/tokenizers/clip_tokenizer.h"

namespace viva {

class ClipScorer {
 public:
  ClipScorer(const std::string& folder, torch::Device device);

  // videos: [B, 3, T, H, W] in [-1, 1] (decoded frames) -> [B, F, D], each unit norm.
  torch::Tensor frame_embeddings(const torch::Tensor& videos, int64_t sampled_frames);
  // -> [B, D]: the normalised mean of the frame embeddings.
  torch::Tensor video_embeddings(const torch::Tensor& videos, int64_t sampled_frames);
  // -> [N, D], unit norm.
  torch::Tensor text_embeddings(const std::vector<std::string>& texts);
  // exp(logit_scale): PickScore's score is this times the cosine similarity.
  double logit_scale() const;

  const std::string& folder() const { return folder_; }
  ClipModel& model() { return model_; }  // on the scorer's device, in eval mode

 private:
  std::string folder_;
  torch::Device device_;
  ClipModel model_{nullptr};
  std::optional<ClipTokenizer> tokenizer_;
};

}  // namespace viva
