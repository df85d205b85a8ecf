#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/nn/lora.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

DitInput tiny_input(const DitOptions& o) {
  torch::manual_seed(3);
  DitInput in;
  in.x = torch::randn({1, o.in_channels, 1, 8, 8});
  in.t = torch::full({1}, 400.0);
  in.text = torch::randn({1, 5, o.text_dim});
  in.pooled = torch::randn({1, o.pooled_dim});
  return in;
}

TEST(Lora, StartsAsIdentityTrainsOnlyItselfAndMergesExactly) {
  torch::manual_seed(0);
  const DitOptions o = DitOptions::tiny();
  HunyuanDit model(o);
  const DitInput in = tiny_input(o);
  const auto before = model->forward(in).detach();

  LoraOptions lo;
  lo.rank = 4;
  lo.alpha = 8;
  LoraAdapter lora(*model, lo);
  EXPECT_EQ(lora.layers(), 2 * 4 + 2 * 2);  // 4 projections per double block, linear1/2 per single block
  lora.refresh();
  EXPECT_TRUE(torch::equal(model->forward(in), before));  // B = 0

  // One gradient step: only A and B receive gradients (B first, since it starts at zero).
  model->forward(in).pow(2).mean().backward();
  for (const auto& p : model->parameters()) EXPECT_FALSE(p.grad().defined());
  int with_grad = 0;
  for (const auto& p : lora.parameters()) with_grad += p.grad().defined() && p.grad().abs().sum().item<double>() > 0;
  EXPECT_EQ(with_grad, lora.layers());  // every B

  {
    torch::NoGradGuard no_grad;
    for (auto& p : lora.parameters()) p.add_(torch::randn_like(p) * 0.05);
  }
  lora.refresh();
  const auto adapted = model->forward(in).detach();
  EXPECT_FALSE(torch::allclose(adapted, before));
  lora.merge();
  EXPECT_TRUE(torch::allclose(model->forward(in), adapted, 1e-5, 1e-6));
  lora.unmerge();
  EXPECT_TRUE(torch::allclose(model->forward(in), before, 1e-5, 1e-6));

  // Save, load into a fresh adapter on a fresh copy of the model, merge at strength 1 and 0.
  TempDir dir;
  lora.save(dir.file("lora.safetensors"));
  const LoraOptions saved = lora_options_from_file(dir.file("lora.safetensors"));
  EXPECT_EQ(saved.rank, 4);
  EXPECT_EQ(saved.targets, lo.targets);
  torch::manual_seed(0);
  HunyuanDit copy(o);
  LoraAdapter loaded(*copy, saved);
  loaded.load(dir.file("lora.safetensors"));
  loaded.merge();
  EXPECT_TRUE(torch::allclose(copy->forward(in), adapted, 1e-5, 1e-6));
  loaded.unmerge();
  loaded.set_strength(0.0);
  loaded.merge();
  EXPECT_TRUE(torch::allclose(copy->forward(in), before, 1e-5, 1e-6));

  LoraOptions other = lo;
  other.rank = 2;
  HunyuanDit third(o);
  LoraAdapter wrong(*third, other);
  expect_error_containing([&] { wrong.load(dir.file("lora.safetensors")); }, {"lora.safetensors", "rank 4"});
  other.targets = {"nothing_like_this"};
  expect_error_containing([&] { LoraAdapter none(*third, other); }, {"no Linear layer"});
}

}  // namespace
}  // namespace viva
