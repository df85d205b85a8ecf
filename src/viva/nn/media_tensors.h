#pragma once
// Conversions between decoded media and model tensors.
#include <torch/torch.h>

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

// [N, C, H, W] -> [N, C, h, w], bicubic with antialiasing (what PIL and Hugging Face's image
// processors do); not clamped.
torch::Tensor resize_bicubic_antialiased(const torch::Tensor& images, int64_t height, int64_t width);

}  // namespace viva
