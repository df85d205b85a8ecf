#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "../support/temp_dir.h"
#include "../support/tiny_dit_input.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/core/compat.h"
#include "viva/nn/autocast_weights.h"
#include "viva/nn/lora.h"

namespace viva {
namespace {

using testing::expect_error_containing;
using testing::TempDir;

using testing::tiny_dit_input;

TEST(Lora, StartsAsIdentityTrainsOnlyItselfAndMergesExactly) {
  torch::manual_seed(0);
  const DitOptions o = DitOptions::tiny();
  HunyuanDit model(o);
  const DitInput in = tiny_dit_input(o);
  const auto before = model->forward(in).detach();

  LoraOptions lo;
  lo.rank = 4;
  lo.alpha = 8;
  LoraAdapter lora(*model, lo);
  EXPECT_EQ(lora.layers(), 2 * 4 + 2 * 2);  // 4 projections per double block, linear1/2 per single block
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
  const auto adapted = model->forward(in).detach();
  EXPECT_FALSE(torch::allclose(adapted, before));
  lora.merge();
  EXPECT_TRUE(torch::allclose(model->forward(in), adapted, 1e-5, 1e-6));
  lora.unmerge();  // back to the branch beside the restored weights
  EXPECT_TRUE(torch::allclose(model->forward(in), adapted, 1e-5, 1e-6));
  lora.set_strength(0.0);
  EXPECT_TRUE(torch::allclose(model->forward(in), before, 1e-5, 1e-6));
  lora.set_strength(1.0);

  // Save, load into a fresh adapter on a fresh copy of the model, merge at strength 1 and 0.
  TempDir dir;
  lora.save_file(dir.file("lora.safetensors"));
  const LoraOptions saved = lora_options_from_file(dir.file("lora.safetensors"));
  EXPECT_EQ(saved.rank, 4);
  EXPECT_EQ(saved.targets, lo.targets);
  torch::manual_seed(0);
  HunyuanDit copy(o);
  LoraAdapter loaded(*copy, saved);
  loaded.load_file(dir.file("lora.safetensors"));
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
  expect_error_containing([&] { wrong.load_file(dir.file("lora.safetensors")); }, {"lora.safetensors", "rank 4"});
  other.targets = {"nothing_like_this"};
  expect_error_containing([&] { LoraAdapter none(*third, other); }, {"no Linear layer"});
}

// Training computes x·Wᵀ + s·(x·Aᵀ)·Bᵀ beside the frozen layer: the same output and adapter
// gradients as the materialised W + s·B·A, while W itself stays the very same tensor.
TEST(Lora, BranchBesideTheFrozenWeightEqualsTheMaterialisedSum) {
  torch::manual_seed(1);
  const DitOptions o = DitOptions::tiny();
  HunyuanDit model(o);
  const DitInput in = tiny_dit_input(o);
  LoraOptions lo;
  lo.rank = 3;
  lo.alpha = 6;
  LoraAdapter lora(*model, lo);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : lora.parameters()) p.add_(torch::randn_like(p) * 0.05);
  }
  AdaptableLinear& qkv = model->double_blocks[0]->as<DoubleStreamBlockImpl>()->img_attn_qkv;
  const auto weight_storage = qkv->weight.data_ptr();
  const auto weight_before = qkv->weight.clone();
  model->forward(in).pow(2).mean().backward();
  std::map<std::string, torch::Tensor> branch_grads;
  for (const auto& p : lora.named_parameters()) branch_grads[p.key()] = p.value().grad().clone();
  EXPECT_EQ(qkv->weight.data_ptr(), weight_storage);
  EXPECT_TRUE(torch::equal(qkv->weight, weight_before));
  EXPECT_FALSE(qkv->weight.grad().defined());
  const auto branch_out = model->forward(in).detach();

  // The same with every target's weight replaced by W + s·B·A in the graph (the old way).
  for (auto& p : lora.parameters()) p.mutable_grad() = torch::Tensor();
  const auto params = lora.named_parameters();
  std::vector<std::pair<AdaptableLinear, torch::Tensor>> saved;
  for (const auto& item : model->named_modules("", false)) {
    auto linear = std::dynamic_pointer_cast<AdaptableLinearImpl>(item.value());
    if (!linear || !linear->has_branch()) continue;
    std::string name = item.key();
    std::replace(name.begin(), name.end(), '.', '_');
    const auto& a = params[name + "_lora_A"];
    const auto& b = params[name + "_lora_B"];
    saved.emplace_back(AdaptableLinear(linear), linear->weight);
    linear->clear_branch();
    linear->weight = linear->weight + lora.scale() * torch::mm(b, a);
  }
  ASSERT_EQ(static_cast<int64_t>(saved.size()), lora.layers());
  const auto materialised = model->forward(in);
  EXPECT_TRUE(torch::allclose(materialised.detach(), branch_out, 1e-5, 1e-6));
  materialised.pow(2).mean().backward();
  for (const auto& p : lora.named_parameters())
    EXPECT_TRUE(torch::allclose(p.value().grad(), branch_grads[p.key()], 1e-4, 1e-7)) << p.key();
}

// Under autocast the frozen model's linear and convolution weights computed in bf16 anyway:
// held in bf16 (Edit-GRPO's frozen DiT), they give bit for bit the same output and LoRA
// gradients as held in float32, for about half the bytes; biases and norms stay float32.
TEST(Lora, FrozenWeightsHeldInTheAutocastDtypeComputeTheSame) {
  const DitOptions o = DitOptions::tiny();
  LoraOptions lo;
  lo.rank = 3;
  auto run = [&](bool held_in_bf16, int64_t* bytes) {
    torch::manual_seed(1);
    HunyuanDit model(o);
    LoraAdapter lora(*model, lo);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : lora.parameters()) p.add_(torch::randn_like(p) * 0.05);
    }
    if (held_in_bf16) hold_autocast_weights_in(*model, torch::kBFloat16);
    for (const auto& p : model->parameters()) *bytes += p.numel() * static_cast<int64_t>(p.element_size());
    const auto named = model->named_parameters();
    EXPECT_EQ(named["double_blocks.0.img_attn_qkv.weight"].scalar_type(),
              held_in_bf16 ? torch::kBFloat16 : torch::kFloat32);
    EXPECT_EQ(named["img_in.proj.weight"].scalar_type(), held_in_bf16 ? torch::kBFloat16 : torch::kFloat32);
    EXPECT_EQ(named["txt_in.individual_token_refiner.blocks.0.norm1.weight"].scalar_type(), torch::kFloat32);
    EXPECT_EQ(named["txt_in.input_embedder.bias"].scalar_type(), torch::kFloat32);
    const compat::AutocastGuard autocast(torch::kCPU, torch::kBFloat16);
    const auto out = model->forward(tiny_dit_input(o));
    out.to(torch::kFloat32).pow(2).mean().backward();
    std::vector<torch::Tensor> results{out.detach()};
    for (const auto& p : lora.parameters()) results.push_back(p.grad().clone());
    for (const auto& p : model->parameters()) EXPECT_FALSE(p.grad().defined());
    return results;
  };
  int64_t float32_bytes = 0, bf16_bytes = 0;
  const auto held_float32 = run(false, &float32_bytes), held_bf16 = run(true, &bf16_bytes);
  EXPECT_EQ(held_float32.front().scalar_type(), torch::kBFloat16);  // autocast was on
  ASSERT_EQ(held_float32.size(), held_bf16.size());
  for (std::size_t i = 0; i < held_float32.size(); ++i)
    EXPECT_TRUE(torch::equal(held_bf16[i], held_float32[i])) << "result " << i;
  EXPECT_LT(bf16_bytes, 0.52 * static_cast<double>(float32_bytes));
  EXPECT_GT(bf16_bytes, 0.5 * static_cast<double>(float32_bytes));
}

// Merged into a weight held in bf16, the update is summed in the adapter's float32 and rounded
// once: each weight becomes the bf16 nearest to W + s·B·A (a product and sum in bf16 would
// round twice). The adapter itself stays float32 beside the bf16 layer.
TEST(Lora, MergesIntoBf16WeightsRoundingOnce) {
  torch::manual_seed(3);
  struct Model : torch::nn::Module {
    AdaptableLinear proj{register_module("proj", AdaptableLinear(torch::nn::LinearOptions(64, 48)))};
  } model;
  model.to(torch::kBFloat16);
  LoraOptions lo;
  lo.rank = 4;
  lo.alpha = 4;
  lo.targets = {"proj"};
  LoraAdapter lora(model, lo);
  auto named = lora.named_parameters();
  torch::Tensor a = named["proj_lora_A"], b = named["proj_lora_B"];
  EXPECT_EQ(a.scalar_type(), torch::kFloat32);
  {
    torch::NoGradGuard no_grad;
    b.copy_(torch::randn_like(b) * 0.01);
  }
  const torch::Tensor w = model.proj->weight.detach().clone();
  lora.merge();
  const torch::Tensor nearest = (w.to(torch::kFloat32) + torch::mm(b, a).detach() * lora.scale()).to(torch::kBFloat16);
  EXPECT_TRUE(torch::equal(model.proj->weight, nearest));
  EXPECT_FALSE(torch::equal(model.proj->weight, w));
  lora.unmerge();
  EXPECT_LE((model.proj->weight.to(torch::kFloat32) - w.to(torch::kFloat32)).abs().max().item<double>(),
            w.to(torch::kFloat32).abs().max().item<double>() * std::pow(2.0, -8));  // within a bf16 step
}

}  // namespace
}  // namespace viva
