#pragma once
// CLIP's image preprocessing (CLIPImageProcessor): resize the shortest side to `size` (bicubic,
// antialiased), center-crop size x size, scale to [0, 1], normalise with OpenAI's mean/std.
#include <torch/torch.h>

#include "viva/io/image.h"

namespace viva {

// -> float32 [3, size, size]
torch::Tensor clip_preprocess(const Image& image, int64_t size);
// The same for a float image [3, H, W] in [-1, 1] (e.g. a decoded frame).
torch::Tensor clip_preprocess(const torch::Tensor& image, int64_t size);

}  // namespace viva
