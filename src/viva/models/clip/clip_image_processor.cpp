#include "viva/models/clip/clip_image_processor.h"

#include <cmath>

#include "viva/core/error.h"
#include "viva/nn/media_tensors.h"

namespace viva {

torch::Tensor clip_preprocess(const torch::Tensor& image, int64_t size) {
  if (image.dim() != 3 || image.size(0) != 3) throw Error("CLIP preprocessing", "expected an RGB image [3, H, W]");
  const int64_t H = image.size(1), W = image.size(2);
  const double scale = static_cast<double>(size) / std::min(H, W);
  const int64_t h = std::max<int64_t>(size, std::lround(H * scale)), w = std::max<int64_t>(size, std::lround(W * scale));
  auto x = (image.to(torch::kFloat32).unsqueeze(0) + 1) / 2;  // [0, 1]
  x = resize_bicubic_antialiased(x, h, w).clamp(0, 1);
  x = x.narrow(2, (h - size) / 2, size).narrow(3, (w - size) / 2, size).squeeze(0);
  const auto mean = torch::tensor({0.48145466, 0.4578275, 0.40821073}, torch::kFloat32).view({3, 1, 1});
  const auto std = torch::tensor({0.26862954, 0.26130258, 0.27577711}, torch::kFloat32).view({3, 1, 1});
  return ((x - mean.to(x.device())) / std.to(x.device())).contiguous();
}

torch::Tensor clip_preprocess(const Image& image, int64_t size) { return clip_preprocess(image_to_tensor(image), size); }

}  // namespace viva
