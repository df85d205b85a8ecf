#include "viva/eval/text_alignment.h"

#include <algorithm>

#include "viva/core/error.h"
#include "viva/models/clip/clip_image_processor.h"
#include "viva/nn/media_tensors.h"

namespace viva {
namespace {

// exp(logit_scale) × cos(frame, caption), averaged over every frame of `frames` [3, T, H, W].
double mean_frame_score(ClipScorer& scorer, const torch::Tensor& frames, const std::string& caption) {
  const auto images = scorer.frame_embeddings(frames.unsqueeze(0), frames.size(1))[0];  // [T, D], unit norm
  const auto text = scorer.text_embeddings({caption})[0];                                // [D], unit norm
  return scorer.logit_scale() * torch::matmul(images, text).mean().item<double>();
}

torch::Tensor frames_of(const VideoFrames& video) {
  if (video.frames < 1) throw Error("text alignment", "the video has no frames");
  return video_to_tensor(video);  // [3, T, H, W] in [-1, 1]
}

}  // namespace

torch::Tensor cap_longer_side(const torch::Tensor& frames, int64_t longest) {
  const int64_t H = frames.size(2), W = frames.size(3);
  if (std::max(H, W) <= longest) return frames;
  const double scale = static_cast<double>(longest) / static_cast<double>(std::max(H, W));
  const int64_t h = H >= W ? longest : static_cast<int64_t>(H * scale), w = W >= H ? longest : static_cast<int64_t>(W * scale);
  return resize_bicubic_antialiased(frames.transpose(0, 1), std::max<int64_t>(h, 1), std::max<int64_t>(w, 1))
      .clamp(-1, 1)
      .transpose(0, 1);
}

double frame_text_alignment(ClipScorer& clip, const VideoFrames& video, const std::string& caption) {
  return mean_frame_score(clip, frames_of(video), caption);
}

double pickscore(ClipScorer& pickscore, const VideoFrames& video, const std::string& caption) {
  return mean_frame_score(pickscore, cap_longer_side(frames_of(video), 672), caption);
}

torch::Tensor viclip_frames(const VideoFrames& video, const ViclipOptions& options) {
  const torch::Tensor frames = frames_of(video);  // [3, N, H, W]
  const int64_t N = frames.size(1), T = options.num_frames;
  std::vector<torch::Tensor> picked;
  for (int64_t i = 0; i < T; ++i) picked.push_back(clip_preprocess(frames.select(1, i * N / T), options.input_resolution));
  return torch::stack(picked).unsqueeze(0);
}

double video_text_alignment(ViclipModel& viclip, const ClipTokenizer& tokenizer, const VideoFrames& video,
                            const std::string& caption) {
  torch::NoGradGuard no_grad;
  const torch::Device device = viclip->temp.device();
  const auto& o = viclip->options;
  const auto ids = torch::tensor(tokenizer.encode_row(caption, static_cast<int>(o.context_length), 0), torch::kInt64);
  namespace F = torch::nn::functional;
  const auto video_embed = F::normalize(viclip->vision_encoder->forward(viclip_frames(video, o).to(device)),
                                        F::NormalizeFuncOptions().dim(-1));
  const auto text_embed = F::normalize(viclip->text_encoder->forward(ids.unsqueeze(0).to(device)),
                                       F::NormalizeFuncOptions().dim(-1));
  return 100.0 * (video_embed * text_embed).sum().item<double>();
}

}  // namespace viva
