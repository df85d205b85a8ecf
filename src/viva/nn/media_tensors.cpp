#include "viva/nn/media_tensors.h"

#include <cstring>

#include "viva/core/error.h"

namespace viva {
namespace {

torch::Tensor to_uint8_hwc(const torch::Tensor& chw_like) {
  // [-1, 1] -> [0, 255], rounded, on CPU.
  return chw_like.detach()
      .to(torch::kCPU, torch::kFloat32)
      .clamp(-1.0, 1.0)
      .add(1.0)
      .mul(127.5)
      .round()
      .to(torch::kUInt8)
      .contiguous();
}

}  // namespace

torch::Tensor video_to_tensor(const VideoFrames& video) {
  if (video.frames <= 0) throw Error("converting video to tensor", "the video has no frames");
  auto frames = torch::from_blob(const_cast<uint8_t*>(video.pixels.data()),
                                 {video.frames, video.height, video.width, 3}, torch::kUInt8);
  return frames.permute({3, 0, 1, 2}).to(torch::kFloat32).div(127.5).sub(1.0).contiguous();
}

VideoFrames tensor_to_video(const torch::Tensor& tensor, double fps) {
  if (tensor.dim() != 4 || tensor.size(0) != 3)
    throw Error("converting tensor to video", "expected [3, T, H, W], got " + c10::str(tensor.sizes()));
  torch::Tensor thwc = to_uint8_hwc(tensor.permute({1, 2, 3, 0}));
  VideoFrames video(static_cast<int>(tensor.size(1)), static_cast<int>(tensor.size(2)),
                    static_cast<int>(tensor.size(3)), fps);
  std::memcpy(video.pixels.data(), thwc.data_ptr<uint8_t>(), video.pixels.size());
  return video;
}

torch::Tensor image_to_tensor(const Image& image) {
  if (image.width <= 0 || image.height <= 0) throw Error("converting image to tensor", "the image is empty");
  auto pixels = torch::from_blob(const_cast<uint8_t*>(image.rgb.data()), {image.height, image.width, 3}, torch::kUInt8);
  return pixels.permute({2, 0, 1}).to(torch::kFloat32).div(127.5).sub(1.0).contiguous();
}

Image tensor_to_image(const torch::Tensor& tensor) {
  if (tensor.dim() != 3 || tensor.size(0) != 3)
    throw Error("converting tensor to image", "expected [3, H, W], got " + c10::str(tensor.sizes()));
  torch::Tensor hwc = to_uint8_hwc(tensor.permute({1, 2, 0}));
  Image image(static_cast<int>(tensor.size(2)), static_cast<int>(tensor.size(1)));
  std::memcpy(image.rgb.data(), hwc.data_ptr<uint8_t>(), image.rgb.size());
  return image;
}

torch::Tensor resize_bicubic_antialiased(const torch::Tensor& images, int64_t height, int64_t width) {
  namespace F = torch::nn::functional;
  return F::interpolate(images, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{height, width})
                                    .mode(torch::kBicubic)
                                    .align_corners(false)
                                    .antialias(true));
}

}  // namespace viva
