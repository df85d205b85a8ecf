#include "viva/nn/undrawn_layers.h"

namespace viva {

namespace {
thread_local bool skipping_initialisers = false;
}

SkipInitialisersGuard::SkipInitialisersGuard() : previous_(skipping_initialisers) { skipping_initialisers = true; }
SkipInitialisersGuard::~SkipInitialisersGuard() { skipping_initialisers = previous_; }
bool initialisers_skipped() { return skipping_initialisers; }

torch::nn::Embedding embedding_layer(int64_t count, int64_t dim) {
  torch::nn::EmbeddingOptions options(count, dim);
  if (initialisers_skipped()) options._weight(torch::empty({count, dim}));  // taken as it is, not drawn
  return torch::nn::Embedding(options);
}

}  // namespace viva
