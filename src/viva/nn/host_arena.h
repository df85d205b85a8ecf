#pragma once
// Host memory for many tensors at once, in a few large chunks. libtorch's pinned-memory
// allocator rounds every allocation up to a power of two bytes, so pinning a 13B DiT's blocks
// tensor by tensor (matrices of 108, 72, 54 and 18 MiB) would lock 1.35x their bytes. Here every
// chunk is a power of two (`chunk_bytes`, or less for the partly filled ones, or the power of
// two above a larger tensor, which has a chunk of its own) and the tensors are placed in the
// chunks first-fit, as views, so little beside the tensors is allocated or locked.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace viva {

class HostArena {
 public:
  // Called with each tensor's index and host copy as soon as it is made: a caller moving a model
  // off its memory points the tensor at its copy there, so that what it held goes before the
  // next chunk is allocated (the model is never held twice).
  using Placed = std::function<void(std::size_t index, const torch::Tensor& host)>;

  // Host copies of dense `tensors` (any device, dtype or strides), in that order, each contiguous,
  // of the same dtype and shape, and a view into one chunk; the chunks are pinned when `pinned`
  // and allocated as they are first needed.
  static HostArena holding(const std::vector<torch::Tensor>& tensors, bool pinned, const Placed& placed = {},
                           int64_t chunk_bytes = int64_t(1) << 30);

  const std::vector<torch::Tensor>& tensors() const { return tensors_; }
  // Bytes of every chunk, as allocated.
  std::vector<int64_t> chunk_bytes() const;
  int64_t allocated_bytes() const;

 private:
  std::vector<torch::Tensor> chunks_;   // uint8
  std::vector<torch::Tensor> tensors_;  // views into chunks_
};

}  // namespace viva
