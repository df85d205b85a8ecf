#include <gtest/gtest.h>
#include <malloc.h>

#include <map>
#include <optional>

#include "../support/golden.h"
#include "../support/memory.h"
#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "../support/tiny_dit_input.h"
#include "viva/core/compat.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/models/dit/dit_layers.h"
#include "viva/models/dit/dit_size.h"
#include "viva/models/dit/hunyuan_dit.h"

namespace viva {
namespace {

using testing::expect_close;
using testing::expect_error_containing;
using testing::golden_config;
using testing::golden_path;
using testing::TempDir;

DitInput fixture_input(const Checkpoint& f) {
  DitInput in;
  in.x = f.load("input.x");
  in.t = f.load("input.t");
  in.text = f.load("input.text_states");
  in.text_mask = f.load("input.text_mask");
  in.pooled = f.load("input.text_states_2");
  if (f.contains("input.guidance")) in.guidance = f.load("input.guidance");
  return in;
}

class DitParity : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    path_ = golden_path(GetParam());
    if (path_.empty()) VIVA_NEEDS_SHARED("golden fixture " << GetParam());
    fixture_ = std::make_unique<Checkpoint>(path_);
    options_ = DitOptions::from_json(golden_config(*fixture_), path_);
    testing::save_fixture_weights(*fixture_, dir_.file("weights.safetensors"));
  }
  HunyuanDit load(const std::string& file, DitOptions options, DitLoadOptions load_options = {}) {
    HunyuanDit model(options);
    load_dit(model, Checkpoint(file), load_options);
    model->eval();
    return model;
  }
  std::string path_;
  std::unique_ptr<Checkpoint> fixture_;
  DitOptions options_;
  TempDir dir_;
};

TEST_P(DitParity, MatchesTheTencentReference) {
  torch::NoGradGuard no_grad;
  EXPECT_EQ(options_.guidance_embed, fixture_->contains("input.guidance"));
  HunyuanDit model = load(dir_.file("weights.safetensors"), options_);
  DitTrace trace;
  auto out = model->forward(fixture_input(*fixture_), &trace);
  expect_close(trace.img_tokens, fixture_->load("inter.img_tokens"), "img_tokens");
  // The padding rows are not computed (valid_text); the valid ones match.
  expect_close(trace.txt_after_refiner,
               fixture_->load("inter.txt_after_refiner").narrow(1, 0, trace.txt_after_refiner.size(1)), "txt_after_refiner");
  expect_close(trace.img_after_double[0], fixture_->load("inter.img_after_double_block_0"), "img_after_double_block_0");
  expect_close(out, fixture_->load("output.x"), "velocity");

  const auto x = fixture_->load("input.x");
  auto [cos, sin] = rope_3d_tables(options_, x.size(2), x.size(3) / 2, x.size(4) / 2);
  expect_close(cos, fixture_->load("input.freqs_cos"), "rope cos", 1e-6);
  expect_close(sin, fixture_->load("input.freqs_sin"), "rope sin", 1e-6);
}

// bf16 weights and activations (the masks must use bf16's own lowest value), timesteps float32.
TEST_P(DitParity, RunsInBfloat16) {
  torch::NoGradGuard no_grad;
  HunyuanDit model = load(dir_.file("weights.safetensors"), options_);
  model->to(torch::kBFloat16);
  DitInput in = fixture_input(*fixture_);
  for (torch::Tensor* t : {&in.x, &in.text, &in.pooled}) *t = t->to(torch::kBFloat16);
  expect_close(model->forward(in), fixture_->load("output.x"), "velocity in bf16", 5e-2);
}

// Recomputing block activations in backward gives the same loss and gradients.
TEST_P(DitParity, ActivationCheckpointingKeepsGradients) {
  HunyuanDit model = load(dir_.file("weights.safetensors"), options_);
  model->train();
  auto grads = [&](bool recompute) {
    model->activation_checkpointing = recompute;
    model->zero_grad();
    const auto loss = model->forward(fixture_input(*fixture_)).pow(2).mean();
    loss.backward();
    std::vector<torch::Tensor> out{loss.detach()};
    for (const auto& p : model->parameters()) out.push_back(p.grad().clone());
    return out;
  };
  const auto plain = grads(false), recomputed = grads(true);
  ASSERT_EQ(plain.size(), recomputed.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    ASSERT_TRUE(recomputed[i].defined());
    EXPECT_TRUE(torch::allclose(plain[i], recomputed[i], 1e-5, 1e-7))
        << "tensor " << i << ": " << plain[i].norm().item<double>() << " vs " << recomputed[i].norm().item<double>();
  }
}

// Under autocast (bf16, here on the CPU) the recomputation runs under the forward's autocast and
// does not reuse the forward's gradient-less casts of the weights: every block's gradients are
// those without checkpointing, and not float32's. The embedders of the conditioning vector every
// block reads differ by bf16's rounding: its gradient sums the blocks' bf16 contributions in
// another order when recomputed (measured: 0.9% at most, float32's own gradients differ by 1.3%).
TEST_P(DitParity, ActivationCheckpointingRecomputesUnderTheForwardsAutocast) {
  HunyuanDit model = load(dir_.file("weights.safetensors"), options_);
  model->train();
  auto grads = [&](bool recompute, bool autocast) {
    model->activation_checkpointing = recompute;
    model->zero_grad();
    const compat::AutocastGuard mixed_precision(torch::kCPU, torch::kBFloat16, autocast);
    model->forward(fixture_input(*fixture_)).to(torch::kFloat32).pow(2).mean().backward();
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : model->named_parameters()) out[p.key()] = p.value().grad().clone();
    return out;
  };
  const auto plain = grads(false, true), recomputed = grads(true, true), float32 = grads(true, false);
  const auto relative = [](const torch::Tensor& a, const torch::Tensor& b) {
    return ((a - b).norm() / b.norm().clamp_min(1e-12)).item<double>();
  };
  double float32_worst = 0;
  for (const auto& [name, expected] : plain) {
    const bool conditioning = name.rfind("time_in.", 0) == 0 || name.rfind("vector_in.", 0) == 0 ||
                              name.rfind("guidance_in.", 0) == 0;
    EXPECT_LE(relative(recomputed.at(name), expected), conditioning ? 2e-2 : 1e-6) << name;
    float32_worst = std::max(float32_worst, relative(float32.at(name), expected));
  }
  EXPECT_GT(float32_worst, 5e-3);
}

// Under autocast the checkpointed forward makes the blocks' bf16 weight copies and drops them
// (they are made again when recomputed); without checkpointing backward needs them all. Peak
// resident memory of a forward of a DiT with 107 MB of bf16 block weights and a tiny input
// (measured: 47 MB checkpointed, 132 MB not; 113 MB checkpointed with autocast's cache left on).
TEST(DitMemory, CheckpointedForwardUnderAutocastKeepsNoWeightCopies) {
  DitOptions o = DitOptions::tiny();
  o.hidden_size = 512;
  o.heads = 4;
  o.rope_dims = {32, 48, 48};
  o.double_blocks = 4;
  o.single_blocks = 4;
  HunyuanDit model(o);
  model->train();
  double block_copy_bytes = 0;
  for (const auto& p : model->named_parameters())
    if (p.key().find("_blocks.") != std::string::npos) block_copy_bytes += 2.0 * static_cast<double>(p.value().numel());
  const DitInput in = testing::tiny_dit_input(o);
  auto growth_bytes = [&](bool checkpointing) {
    model->activation_checkpointing = checkpointing;
    ::malloc_trim(0);  // freed heap pages back to the system, so that reusing them counts
    const std::optional<int64_t> kib = testing::peak_rss_growth_kib([&] {
      const compat::AutocastGuard mixed_precision(torch::kCPU, torch::kBFloat16);
      const torch::Tensor out = model->forward(in);  // its graph lives until here
    });
    return kib ? std::optional<double>(1024.0 * static_cast<double>(*kib)) : std::nullopt;
  };
  const auto checkpointed = growth_bytes(true), kept = growth_bytes(false);
  if (!checkpointed || !kept) GTEST_SKIP() << "this kernel does not reset the peak resident memory";
  EXPECT_GT(*kept, 0.8 * block_copy_bytes) << "of " << block_copy_bytes << " bytes of bf16 block weights";
  // Checkpointed, one block's copies live at a time (and the embedders' in both).
  EXPECT_GT(*kept - *checkpointed, 0.5 * block_copy_bytes) << *kept << " vs " << *checkpointed << " bytes";
}

// The blocks kept on the host and copied in one by one (offload "blocks") change no output.
TEST_P(DitParity, OffloadedBlocksGiveTheResidentOutput) {
  torch::NoGradGuard no_grad;
  HunyuanDit model = load(dir_.file("weights.safetensors"), options_);
  const auto resident = model->forward(fixture_input(*fixture_));
  model->offload_blocks(torch::kCPU);
  EXPECT_TRUE(torch::equal(model->forward(fixture_input(*fixture_)), resident));
  EXPECT_EQ(model->block_offload->size(), static_cast<std::size_t>(options_.double_blocks + options_.single_blocks));
  EXPECT_EQ(model->block_offload->resident(), 0u);
  EXPECT_EQ(model->block_offload->peak_resident(), std::min<std::size_t>(2, model->block_offload->size()));
}

TEST_P(DitParity, DiffusersLayoutLoadsIntoTheSameModule) {
  torch::NoGradGuard no_grad;
  // Re-save the fixture in the diffusers layout (hunyuanvideo.md §2.3): split fused tensors,
  // swap the final modulation's halves.
  Checkpoint original(dir_.file("weights.safetensors"));
  std::vector<NamedTensor> tensors;
  for (const auto& name : original.names()) tensors.push_back({name, original.load(name)});
  const std::vector<NamedTensor> diffusers = dit_diffusers_tensors(tensors, options_);
  EXPECT_GT(diffusers.size(), tensors.size());  // fused q/k/v split
  save_safetensors(dir_.file("diffusers.safetensors"), diffusers);
  // The diffusers config reads back as the same architecture.
  if (!options_.context_projector) {
    EXPECT_EQ(DitOptions::from_json(options_.to_diffusers_config(), "diffusers").to_json(), options_.to_json());
  }
  EXPECT_EQ(detect_dit_layout(Checkpoint(dir_.file("diffusers.safetensors"))), DitLayout::Diffusers);
  auto a = load(dir_.file("weights.safetensors"), options_)->forward(fixture_input(*fixture_));
  auto b = load(dir_.file("diffusers.safetensors"), options_)->forward(fixture_input(*fixture_));
  EXPECT_TRUE(torch::equal(a, b));
}

TEST_P(DitParity, ContextProjectorStartsAsTheTextToVideoModel) {
  torch::NoGradGuard no_grad;
  DitOptions viva_options = options_;
  viva_options.context_projector = true;
  expect_error_containing([&] { load(dir_.file("weights.safetensors"), viva_options); }, {"missing tensors", "src_in.proj.weight"});
  HunyuanDit model = load(dir_.file("weights.safetensors"), viva_options, DitLoadOptions{true});
  DitInput in = fixture_input(*fixture_);
  in.source = torch::randn_like(in.x);  // any source: the projector ignores it at step 0
  expect_close(model->forward(in), fixture_->load("output.x"), "VIVA model at initialisation");
  // Once the projector moves away from [I | 0], the source changes the prediction. (A constant
  // offset would not do: every LayerNorm removes a shift shared by all channels of a token.)
  model->context_projector->weight.add_(0.05 * torch::randn_like(model->context_projector->weight));
  EXPECT_FALSE(torch::allclose(model->forward(in), fixture_->load("output.x"), 1e-4, 1e-4));
}

TEST_P(DitParity, ReferenceFrameIsCleanContextWithTimeIndexMinusOne) {
  torch::NoGradGuard no_grad;
  HunyuanDit model = load(dir_.file("weights.safetensors"), options_);
  DitInput in = fixture_input(*fixture_);
  const auto plain = model->forward(in);
  in.reference = torch::randn({1, options_.in_channels, 1, in.x.size(3), in.x.size(4)});
  const auto with_reference = model->forward(in);
  EXPECT_EQ(with_reference.sizes(), plain.sizes());
  EXPECT_FALSE(torch::allclose(with_reference, plain, 1e-4, 1e-4));
  // The video's own RoPE rows are unchanged; the reference row sits at time -1.
  auto [cos0, sin0] = rope_3d_tables(options_, 3, 4, 4);
  auto [cos1, sin1] = rope_3d_tables(options_, 4, 4, 4, -1);
  EXPECT_TRUE(torch::equal(cos1.narrow(0, 16, 48), cos0));
  EXPECT_NEAR(sin1[0][0].item<float>(), std::sin(-1.0), 1e-6);
  in.reference = torch::randn({1, options_.in_channels, 2, in.x.size(3), in.x.size(4)});
  expect_error_containing([&] { model->forward(in); }, {"reference latent must be"});
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DitParity,
                         ::testing::Values("hunyuan_dit_tiny.safetensors", "hunyuan_dit_tiny_guidance.safetensors"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.find("guidance") != std::string::npos ? std::string("guidance")
                                                                                   : std::string("plain");
                         });

// The released 13B configuration, checked for structure with one block of each kind at full
// width (the whole model would need 51 GB in fp32): per-block counts extrapolate exactly.
// Attention over the valid text tokens only: cutting the padding, and masking what is left with a
// boolean mask for a batch of uneven lengths, gives what each sample gives alone and what the
// padded, masked input gives.
TEST_P(DitParity, PaddingIsCutAndUnevenBatchesMaskWhatIsLeft) {
  torch::NoGradGuard no_grad;
  HunyuanDit model = load(dir_.file("weights.safetensors"), options_);
  DitInput in = fixture_input(*fixture_);
  in.x = in.x.narrow(0, 0, 1);
  in.t = in.t.narrow(0, 0, 1);
  in.pooled = in.pooled.narrow(0, 0, 1);
  if (in.guidance.defined()) in.guidance = in.guidance.narrow(0, 0, 1);
  in.text = in.text.narrow(0, 0, 1);
  const int64_t L = in.text.size(1);
  ASSERT_GE(L, 4);
  auto with_length = [&](int64_t n) {
    DitInput one = in;
    one.text_mask = (torch::arange(L) < n).to(torch::kInt64).unsqueeze(0);
    return one;
  };
  const int64_t long_n = L - 1, short_n = L / 2;
  const torch::Tensor padded_long = model->forward(with_length(long_n));
  const torch::Tensor padded_short = model->forward(with_length(short_n));
  // The same text cut to its valid tokens, without a mask.
  DitInput cut = in;
  cut.text = in.text.narrow(1, 0, long_n);
  cut.text_mask = torch::Tensor();
  EXPECT_TRUE(torch::allclose(model->forward(cut), padded_long, 1e-5, 1e-6));
  // The text's padding does not reach the output: other values there change nothing.
  DitInput noisy = with_length(short_n);
  noisy.text = in.text.clone();
  noisy.text.narrow(1, short_n, L - short_n).normal_();
  EXPECT_TRUE(torch::allclose(model->forward(noisy), padded_short, 1e-5, 1e-6));
  // A batch of the two lengths: the boolean mask path equals each alone.
  DitInput batch = in;
  batch.x = torch::cat({in.x, in.x});
  batch.t = torch::cat({in.t, in.t});
  batch.pooled = torch::cat({in.pooled, in.pooled});
  if (in.guidance.defined()) batch.guidance = torch::cat({in.guidance, in.guidance});
  if (in.source.defined()) batch.source = torch::cat({in.source, in.source});
  batch.text = torch::cat({in.text, in.text});
  batch.text_mask = torch::cat({with_length(long_n).text_mask, with_length(short_n).text_mask});
  const torch::Tensor both = model->forward(batch);
  EXPECT_TRUE(torch::allclose(both[0], padded_long[0], 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(both[1], padded_short[0], 1e-5, 1e-6));
  const ValidText valid = valid_text(batch.text, batch.text_mask);
  EXPECT_EQ(valid.states.size(1), long_n);
  ASSERT_TRUE(valid.mask.defined());
  EXPECT_EQ(valid.mask.sum().item<int64_t>(), long_n + short_n);
  EXPECT_FALSE(valid_text(cut.text, torch::ones({1, long_n}, torch::kInt64)).mask.defined());
}

TEST(Dit13B, ParameterCountAndTensorNamesOfBothLayouts) {
  DitOptions full = DitOptions::hunyuan_13b();
  DitOptions one = full;
  one.double_blocks = 1;
  one.single_blocks = 1;
  one.context_projector = true;
  HunyuanDit model(one);
  int64_t base = 0, per_double = 0, per_single = 0, viva = 0;
  int64_t base_names = 0, double_names = 0, single_names = 0, base_parts = 0, double_parts = 0, single_parts = 0;
  for (const auto& p : model->named_parameters()) {
    const std::string& name = p.key();
    const int64_t n = p.value().numel();
    const int64_t parts = static_cast<int64_t>(dit_diffusers_names(name).size());
    EXPECT_GT(parts, 0) << name;
    if (is_viva_dit_tensor(name)) {
      viva += n;
    } else if (name.rfind("double_blocks.", 0) == 0) {
      per_double += n, ++double_names, double_parts += parts;
    } else if (name.rfind("single_blocks.", 0) == 0) {
      per_single += n, ++single_names, single_parts += parts;
    } else {
      base += n, ++base_names, base_parts += parts;
    }
  }
  EXPECT_EQ(base + full.double_blocks * per_double + full.single_blocks * per_single, 12821012544LL);
  EXPECT_EQ(viva, 199680 + 2 * 3072 * 3072 + 3072);  // src_in + context projector
  EXPECT_EQ(base_names + full.double_blocks * double_names + full.single_blocks * single_names, 856);
  EXPECT_EQ(base_parts + full.double_blocks * double_parts + full.single_blocks * single_parts, 1264);
  // Spot checks against hunyuanvideo.md §2.2 shapes.
  EXPECT_EQ(model->double_blocks[0]->as<DoubleStreamBlock>()->img_mod->linear->weight.sizes(), (std::vector<int64_t>{18432, 3072}));
  EXPECT_EQ(model->single_blocks[0]->as<SingleStreamBlock>()->linear1->weight.sizes(), (std::vector<int64_t>{21504, 3072}));
  EXPECT_EQ(model->single_blocks[0]->as<SingleStreamBlock>()->linear2->weight.sizes(), (std::vector<int64_t>{3072, 15360}));
  EXPECT_EQ(model->img_in->proj->weight.sizes(), (std::vector<int64_t>{3072, 16, 1, 2, 2}));
  // The counts from the options alone (memory plans) agree with the built model.
  const DitParameterCounts counts = dit_parameter_counts(one);
  EXPECT_EQ(counts.double_block, per_double);
  EXPECT_EQ(counts.single_block, per_single);
  EXPECT_EQ(counts.embedders, base + viva);
  full.context_projector = false;
  EXPECT_EQ(dit_parameter_counts(full).total(), 12821012544LL);
}

// dit_parameter_counts and dit_adaptable_linears against built tiny variants.
TEST(DitSize, CountsFromTheOptionsMatchBuiltModels) {
  for (const bool guidance : {false, true})
    for (const bool projector : {false, true}) {
      DitOptions o = DitOptions::tiny();
      o.guidance_embed = guidance;
      o.context_projector = projector;
      o.refiner_blocks = 2;
      HunyuanDit model(o);
      int64_t built = 0, vectors = 0;
      for (const auto& p : model->parameters()) built += p.numel(), vectors += p.dim() == 1 ? p.numel() : 0;
      EXPECT_EQ(dit_parameter_counts(o).total(), built) << guidance << projector;
      EXPECT_EQ(dit_parameter_counts(o).vectors(), vectors) << guidance << projector;
      std::map<std::string, std::pair<int64_t, int64_t>> linears;  // name -> (count, in x out)
      for (const auto& item : model->named_modules("", false)) {
        auto linear = std::dynamic_pointer_cast<AdaptableLinearImpl>(item.value());
        if (!linear) continue;
        const std::string name = item.key().substr(item.key().rfind('.') + 1);
        linears[name].first += 1;
        linears[name].second = linear->weight.size(1) * linear->weight.size(0);
      }
      const auto shapes = dit_adaptable_linears(o);
      EXPECT_EQ(shapes.size(), linears.size());
      for (const DitLinearShape& s : shapes) {
        EXPECT_EQ(linears[s.name].first, s.count) << s.name;
        EXPECT_EQ(linears[s.name].second, s.in * s.out) << s.name;
      }
    }
}

TEST(DitNames, DiffusersMappingFollowsTheConversionTable) {
  EXPECT_EQ(dit_diffusers_names("double_blocks.7.txt_attn_qkv.bias"),
            (std::vector<std::string>{"transformer_blocks.7.attn.add_q_proj.bias", "transformer_blocks.7.attn.add_k_proj.bias",
                                      "transformer_blocks.7.attn.add_v_proj.bias"}));
  EXPECT_EQ(dit_diffusers_names("single_blocks.39.linear1.weight").back(), "single_transformer_blocks.39.proj_mlp.weight");
  EXPECT_EQ(dit_diffusers_names("txt_in.individual_token_refiner.blocks.1.adaLN_modulation.1.weight"),
            std::vector<std::string>{"context_embedder.token_refiner.refiner_blocks.1.norm_out.linear.weight"});
  EXPECT_EQ(dit_diffusers_names("final_layer.adaLN_modulation.1.bias"), std::vector<std::string>{"norm_out.linear.bias"});
  EXPECT_EQ(dit_diffusers_names("vector_in.out_layer.weight"),
            std::vector<std::string>{"time_text_embed.text_embedder.linear_2.weight"});
  EXPECT_TRUE(dit_diffusers_names("no_such.weight").empty());
}

}  // namespace
}  // namespace viva
