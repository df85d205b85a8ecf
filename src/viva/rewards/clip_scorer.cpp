#include "viva/rewards/clip_scorer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/models/clip/clip_checkpoint.h"
#include "viva/io/video_frames.h"
#include "viva/models/clip/clip_image_processor.h"

namespace fs = std::filesystem;

namespace viva {

ClipScorer::ClipScorer(const std::string& folder, torch::Device device) : folder_(folder), device_(device) {
  const std::string config_path = (fs::path(folder) / "config.json").string();
  model_ = ClipModel(ClipOptions::from_hf_config(load_json_file(config_path), config_path));
  load_clip(model_, Checkpoint(folder));
  model_->to(device_);
  model_->eval();
  const std::string merges = find_clip_merges(folder);
  if (merges.empty()) throw file_error(folder, "holds no CLIP tokenizer (merges.txt or bpe_simple_vocab_16e6.txt.gz)");
  tokenizer_.emplace(ClipTokenizer::from_file(merges));
}

torch::Tensor ClipScorer::frame_embeddings(const torch::Tensor& videos, int64_t sampled_frames) {
  if (videos.dim() != 5 || videos.size(1) != 3) throw Error(folder_, "expected videos [B, 3, T, H, W]");
  torch::NoGradGuard no_grad;
  const int64_t size = model_->options.vision.image_size;
  const std::vector<int> picked = evenly_spaced_indices(static_cast<int>(videos.size(2)), static_cast<int>(sampled_frames));
  // Preprocessed where the videos are (a GPU's decoded group stays there), then on the scorer's device.
  std::vector<torch::Tensor> pixels;
  for (int64_t b = 0; b < videos.size(0); ++b)
    for (int t : picked) pixels.push_back(clip_preprocess(videos[b].select(1, t), size));
  auto frames = model_->image_embeds(torch::stack(pixels).to(device_)).to(torch::kFloat32);
  frames = frames / frames.norm(2, -1, true);
  return frames.view({videos.size(0), static_cast<int64_t>(picked.size()), -1});
}

torch::Tensor ClipScorer::video_embeddings(const torch::Tensor& videos, int64_t sampled_frames) {
  const auto mean = frame_embeddings(videos, sampled_frames).mean(1);
  return mean / mean.norm(2, -1, true);
}

torch::Tensor ClipScorer::text_embeddings(const std::vector<std::string>& texts) {
  torch::NoGradGuard no_grad;
  const auto& o = model_->options.text;
  std::vector<torch::Tensor> rows;
  // Hugging Face's CLIPTokenizer pads with the end token; the pooled state is taken at its first occurrence.
  for (const std::string& text : texts)
    rows.push_back(torch::tensor(tokenizer_->encode_row(text, static_cast<int>(o.max_positions), tokenizer_->end_id()),
                                 torch::kInt64));
  auto e = model_->text_embeds(torch::stack(rows).to(device_)).to(torch::kFloat32);
  return e / e.norm(2, -1, true);
}

double ClipScorer::logit_scale() const { return model_->logit_scale.exp().item<double>(); }

}  // namespace viva
