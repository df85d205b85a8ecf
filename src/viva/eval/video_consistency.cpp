#include "viva/eval/video_consistency.h"

#include <cmath>
#include <string>

#include "viva/core/error.h"
#include "viva/models/clip/clip_image_processor.h"
#include "viva/nn/media_tensors.h"

namespace viva {
namespace {

torch::Tensor normalised_rows(const torch::Tensor& features, const char* what) {
  if (features.dim() != 2 || features.size(0) < 2)
    throw Error(what, "needs features of at least 2 frames, [N, D]; got " + c10::str(features.sizes()));
  return torch::nn::functional::normalize(features.to(torch::kFloat64),
                                          torch::nn::functional::NormalizeFuncOptions().dim(1));
}

// Frames as float32 [N, 3, H, W] in [0, 1].
torch::Tensor unit_frames(const VideoFrames& video) {
  if (video.frames < 1) throw Error("video consistency", "the video has no frames");
  return torch::from_blob(const_cast<uint8_t*>(video.pixels.data()), {video.frames, video.height, video.width, 3},
                          torch::kUInt8)
      .permute({0, 3, 1, 2})
      .to(torch::kFloat32)
      .div(255.0);
}

// torchvision's Resize(size) for tensors: the shorter side becomes `size`, the longer
// int(size · long / short), antialiasing off.
torch::Tensor resize_shorter(const torch::Tensor& frames, int64_t size, torch::nn::functional::InterpolateFuncOptions::mode_t mode) {
  const int64_t H = frames.size(2), W = frames.size(3);
  const int64_t h = H <= W ? size : static_cast<int64_t>(static_cast<double>(size) * H / W);
  const int64_t w = H <= W ? static_cast<int64_t>(static_cast<double>(size) * W / H) : size;
  return torch::nn::functional::interpolate(
      frames, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(mode).align_corners(false));
}

torch::Tensor normalised_channels(const torch::Tensor& x, std::vector<double> mean, std::vector<double> std) {
  return (x - torch::tensor(mean, torch::kFloat32).view({1, 3, 1, 1})) / torch::tensor(std, torch::kFloat32).view({1, 3, 1, 1});
}

template <class Encode>
torch::Tensor batched(const torch::Tensor& pixels, int64_t batch, torch::Device device, Encode encode) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> rows;
  for (int64_t start = 0; start < pixels.size(0); start += batch)
    rows.push_back(encode(pixels.narrow(0, start, std::min(batch, pixels.size(0) - start)).to(device)).to(torch::kCPU));
  return torch::cat(rows, 0);
}

}  // namespace

ConsistencySum vbench_consistency(const torch::Tensor& features) {
  const auto f = normalised_rows(features, "VBench consistency");
  const int64_t N = f.size(0);
  const auto previous = (f.narrow(0, 0, N - 1) * f.narrow(0, 1, N - 1)).sum(1).clamp_min(0);
  const auto first = (f.narrow(0, 0, 1) * f.narrow(0, 1, N - 1)).sum(1).clamp_min(0);
  return {((previous + first) / 2).sum().item<double>(), N - 1};
}

ConsistencySum consecutive_consistency(const torch::Tensor& features) {
  const auto f = normalised_rows(features, "consecutive consistency");
  const int64_t N = f.size(0);
  return {(f.narrow(0, 0, N - 1) * f.narrow(0, 1, N - 1)).sum(1).clamp_min(0).sum().item<double>(), N - 1};
}

torch::Tensor vbench_dino_pixels(const VideoFrames& video) {
  return normalised_channels(resize_shorter(unit_frames(video), 224, torch::kBilinear), {0.485, 0.456, 0.406},
                             {0.229, 0.224, 0.225});
}

torch::Tensor vbench_clip_pixels(const VideoFrames& video, int64_t size) {
  auto x = resize_shorter(unit_frames(video), size, torch::kBicubic);
  // torchvision's CenterCrop: half the surplus, rounded as Python rounds (half to even).
  const int64_t top = static_cast<int64_t>(std::nearbyint(static_cast<double>(x.size(2) - size) / 2.0));
  const int64_t left = static_cast<int64_t>(std::nearbyint(static_cast<double>(x.size(3) - size) / 2.0));
  x = x.narrow(2, top, size).narrow(3, left, size);
  return normalised_channels(x, {0.48145466, 0.4578275, 0.40821073}, {0.26862954, 0.26130258, 0.27577711}).contiguous();
}

torch::Tensor editverse_dino_pixels(const VideoFrames& video) {
  auto x = unit_frames(video);
  const int64_t H = x.size(2), W = x.size(3);
  // Hugging Face's shortest_edge resize: the longer side int(256 · long / short).
  const int64_t h = H <= W ? 256 : static_cast<int64_t>(256.0 * H / W), w = H <= W ? static_cast<int64_t>(256.0 * W / H) : 256;
  x = resize_bicubic_antialiased(x, h, w).clamp(0, 1);
  x = x.narrow(2, (h - 224) / 2, 224).narrow(3, (w - 224) / 2, 224);
  return normalised_channels(x, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}).contiguous();
}

torch::Tensor editverse_clip_pixels(const VideoFrames& video, int64_t size) {
  const auto frames = unit_frames(video) * 2 - 1;  // clip_preprocess takes [-1, 1]
  std::vector<torch::Tensor> rows;
  for (int64_t t = 0; t < frames.size(0); ++t) rows.push_back(clip_preprocess(frames[t], size));
  return torch::stack(rows);
}

torch::Tensor dino_frame_features(DinoVisionTransformer& dino, const torch::Tensor& pixels, int64_t batch) {
  const torch::Device device = dino->cls_token.device();
  return batched(pixels, batch, device, [&](const torch::Tensor& x) { return dino->forward(x).cls; });
}

torch::Tensor clip_frame_features(ClipModel& clip, const torch::Tensor& pixels, int64_t batch) {
  const torch::Device device = clip->logit_scale.device();
  return batched(pixels, batch, device, [&](const torch::Tensor& x) { return clip->image_embeds(x); });
}

torch::Tensor clip_pooled_frame_features(ClipModel& clip, const torch::Tensor& pixels, int64_t batch) {
  const torch::Device device = clip->logit_scale.device();
  return batched(pixels, batch, device, [&](const torch::Tensor& x) { return clip->vision_model(x).pooled; });
}

}  // namespace viva
