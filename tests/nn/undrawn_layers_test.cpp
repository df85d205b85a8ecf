// Layers built for loading: under a SkipInitialisersGuard they draw nothing from torch's
// generator, yet have their real shapes, options and dtype; without it they are libtorch's
// layers, drawn alike. (ModelFolder's tests check that models built so load every weight.)
#include <gtest/gtest.h>

#include "viva/nn/adaptable_linear.h"
#include "viva/nn/undrawn_layers.h"
#include "viva/nn/weight_loading.h"

namespace viva {
namespace {

// Whether `build` leaves torch's CPU generator where it was: the next draw is the one a freshly
// seeded generator gives.
template <class Build>
bool draws_nothing(const Build& build) {
  torch::manual_seed(11);
  build();
  const auto after = torch::rand({8});
  torch::manual_seed(11);
  return torch::equal(after, torch::rand({8}));
}

TEST(UndrawnLayers, DrawNothingUnderTheGuardAndKeepShapesOptionsAndDtype) {
  const SkipInitialisersGuard undrawn;
  const DefaultDtypeGuard bf16(torch::kBFloat16);
  torch::nn::Linear linear{nullptr};
  AdaptableLinear adaptable{nullptr};
  torch::nn::Embedding embedding{nullptr};
  EXPECT_TRUE(draws_nothing([&] {
    linear = linear_layer(6, 5);
    adaptable = linear_layer<AdaptableLinear>(4, 3, /*bias=*/false);
    embedding = embedding_layer(7, 2);
  }));
  EXPECT_EQ(linear->weight.sizes(), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(linear->bias.sizes(), (std::vector<int64_t>{5}));
  EXPECT_EQ(linear->options.in_features(), 6);
  EXPECT_EQ(linear->options.out_features(), 5);
  EXPECT_EQ(linear->weight.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(linear->weight.requires_grad());
  EXPECT_FALSE(adaptable->bias.defined());
  EXPECT_EQ(adaptable->weight.sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(embedding->weight.sizes(), (std::vector<int64_t>{7, 2}));
  EXPECT_EQ(embedding->options.num_embeddings(), 7);
  // The registered parameters are the ones the layer computes with.
  const auto named = linear->named_parameters();
  EXPECT_TRUE(named["weight"].is_same(linear->weight));
  EXPECT_EQ(named["weight"].sizes(), linear->weight.sizes());
  EXPECT_EQ(adaptable->named_parameters().size(), 1u);
}

// A model to be held for autocast gets its matrices in the autocast dtype from the start;
// biases and the layers that are not matrix products keep the default dtype.
TEST(UndrawnLayers, HoldTheirMatricesInAMatrixDtypeGuardsDtype) {
  const SkipInitialisersGuard undrawn;
  {
    const MatrixDtypeGuard matrices(torch::kBFloat16);
    const auto linear = linear_layer(6, 5);
    EXPECT_EQ(linear->weight.scalar_type(), torch::kBFloat16);
    EXPECT_EQ(linear->bias.scalar_type(), torch::kFloat32);
    EXPECT_EQ(linear_layer<AdaptableLinear>(4, 3)->weight.scalar_type(), torch::kBFloat16);
    EXPECT_EQ(embedding_layer(7, 2)->weight.scalar_type(), torch::kFloat32);
  }
  EXPECT_EQ(linear_layer(6, 5)->weight.scalar_type(), torch::kFloat32);  // restored
}

// Built for a device, undrawn parameters are allocated there: nothing in host memory, and
// nothing copied over that the weights overwrite. (Only where they go is checked here: a
// layer's placeholder parameter takes a CUDA tensor, not a meta one, so the layers themselves
// are built on a device only on a GPU machine, e.g. by viva_bench_load --device cuda.)
TEST(UndrawnLayers, AreAllocatedOnTheBuildDevice) {
  EXPECT_TRUE(undrawn_options().device().is_cpu());
  const BuildDeviceGuard built_on{torch::Device(torch::kMeta)};
  EXPECT_TRUE(undrawn_options().device().is_meta());
  EXPECT_TRUE(torch::empty({2}, undrawn_options()).is_meta());
}

TEST(UndrawnLayers, WithoutTheGuardAreLibtorchsLayersDrawnAlike) {
  torch::manual_seed(5);
  const torch::nn::Linear ours = linear_layer(6, 5);
  const torch::nn::Embedding our_embedding = embedding_layer(7, 3);
  torch::manual_seed(5);
  const torch::nn::Linear theirs(6, 5);
  const torch::nn::Embedding their_embedding(7, 3);
  EXPECT_TRUE(torch::equal(ours->weight, theirs->weight));
  EXPECT_TRUE(torch::equal(ours->bias, theirs->bias));
  EXPECT_TRUE(torch::equal(our_embedding->weight, their_embedding->weight));
  EXPECT_FALSE(draws_nothing([] { linear_layer(6, 5); }));
}

}  // namespace
}  // namespace viva
