#include "viva/nn/undrawn_layers.h"

#include "viva/nn/weight_loading.h"

namespace viva {

namespace {
thread_local bool skipping_initialisers = false;
thread_local std::optional<torch::ScalarType> matrix_dtype;
}

SkipInitialisersGuard::SkipInitialisersGuard() : previous_(skipping_initialisers) { skipping_initialisers = true; }
SkipInitialisersGuard::~SkipInitialisersGuard() { skipping_initialisers = previous_; }
bool initialisers_skipped() { return skipping_initialisers; }

torch::TensorOptions undrawn_options() { return torch::TensorOptions().device(build_device().value_or(torch::kCPU)); }

MatrixDtypeGuard::MatrixDtypeGuard(torch::ScalarType dtype) : previous_(matrix_dtype) { matrix_dtype = dtype; }
MatrixDtypeGuard::~MatrixDtypeGuard() { matrix_dtype = previous_; }

torch::TensorOptions undrawn_matrix_options() {
  return matrix_dtype ? undrawn_options().dtype(*matrix_dtype) : undrawn_options();
}

torch::nn::Embedding embedding_layer(int64_t count, int64_t dim) {
  torch::nn::EmbeddingOptions options(count, dim);
  if (initialisers_skipped()) options._weight(torch::empty({count, dim}, undrawn_options()));  // taken as it is, not drawn
  return torch::nn::Embedding(options);
}

}  // namespace viva
