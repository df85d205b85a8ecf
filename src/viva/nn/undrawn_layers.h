#pragma once
// Layers for models about to be filled from a checkpoint. libtorch's layers draw their initial
// weights in their constructors (a uniform or normal draw per weight); at 13B that costs more
// time than reading the weights. While a SkipInitialisersGuard lives, the layers built on its
// thread by the functions below get their parameters allocated but not drawn. Without the guard
// they are exactly libtorch's layers, drawn in the same order, so a seeded `viva model init`
// writes the same model as before. (The few small convolutions, e.g. patch embeddings, are
// libtorch's and still drawn: libtorch 2.x refuses an empty one.)
#include <torch/torch.h>

#include <cstdint>
#include <optional>

namespace viva {

class SkipInitialisersGuard {
 public:
  SkipInitialisersGuard();
  ~SkipInitialisersGuard();
  SkipInitialisersGuard(const SkipInitialisersGuard&) = delete;
  SkipInitialisersGuard& operator=(const SkipInitialisersGuard&) = delete;

 private:
  bool previous_;
};
bool initialisers_skipped();
// Where undrawn parameters are allocated: on a BuildDeviceGuard's device when one lives (no
// host memory, and nothing copied to the device that the checkpoint overwrites), else the host.
torch::TensorOptions undrawn_options();

// While it lives, undrawn linear layers built on its thread get their weight matrix in `dtype`
// (their bias stays in the default dtype): a frozen model held for autocast (autocast_weights.h)
// is built so from the start, and never holds those matrices in float32.
class MatrixDtypeGuard {
 public:
  explicit MatrixDtypeGuard(torch::ScalarType dtype);
  ~MatrixDtypeGuard();
  MatrixDtypeGuard(const MatrixDtypeGuard&) = delete;
  MatrixDtypeGuard& operator=(const MatrixDtypeGuard&) = delete;

 private:
  std::optional<torch::ScalarType> previous_;
};
// undrawn_options() in a MatrixDtypeGuard's dtype when one lives.
torch::TensorOptions undrawn_matrix_options();

// A torch::nn::Linear, or (Holder) a layer whose module is a LinearImpl, e.g. AdaptableLinear.
template <class Holder = torch::nn::Linear>
Holder linear_layer(int64_t in, int64_t out, bool bias = true) {
  if (!initialisers_skipped()) return Holder(torch::nn::LinearOptions(in, out).bias(bias));
  // libtorch builds it with a [0, 1] weight (nothing to draw), then it gets its real storage.
  Holder layer(torch::nn::LinearOptions(1, 0).bias(bias));
  layer->options.in_features(in).out_features(out);
  layer->weight.set_data(torch::empty({out, in}, undrawn_matrix_options()));
  if (bias) layer->bias.set_data(torch::empty({out}, undrawn_options()));
  return layer;
}

torch::nn::Embedding embedding_layer(int64_t count, int64_t dim);

}  // namespace viva
