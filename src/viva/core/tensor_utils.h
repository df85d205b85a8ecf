#pragma once
// Conversions between decoded media and model tensors, and seeding.
#include <torch/torch.h>

#include <cstdint>

#include "viva/io/image.h"
#include "viva/io/video_frames.h"

namespace viva {

// uint8 [T, H, W, 3] -> float32 [3, T, H, W] in [-1, 1] (the VAE's input convention).
torch::Tensor video_to_tensor(const VideoFrames& video);
// float [3, T, H, W] in [-1, 1] (clamped) -> uint8 frames, rounding to nearest.
VideoFrames tensor_to_video(const torch::Tensor& tensor, double fps);

// uint8 [H, W, 3] -> float32 [3, H, W] in [-1, 1], and back.
torch::Tensor image_to_tensor(const Image& image);
Image tensor_to_image(const torch::Tensor& tensor);

// Seeds torch's CPU and (when present) CUDA generators.
void seed_everything(uint64_t seed);

// Standard normal noise of `sizes` drawn on the CPU (from `generator` when given: viva's seeded
// generators are CPU ones) and moved to `options`' device and dtype: the same draws on any device.
torch::Tensor cpu_randn(at::IntArrayRef sizes, c10::optional<torch::Generator> generator,
                        const torch::TensorOptions& options);

}  // namespace viva
