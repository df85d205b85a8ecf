// The golden fixtures again, on CUDA in float32 and bfloat16 (skipped without a GPU). bf16 keeps
// about three significant digits, so its bound is looser; the sinusoidal timestep features and
// RoPE tables stay float32 inside the models, which the bound would not tolerate otherwise.
#include <gtest/gtest.h>

#include "../support/golden.h"
#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/models/llama/llama_checkpoint.h"
#include "viva/models/llama/llama_model.h"
#include "viva/models/vae/causal_vae.h"
#include "viva/models/vae/vae_checkpoint.h"

namespace viva {
namespace {

using testing::expect_close;
using testing::golden_config;
using testing::golden_path;
using testing::TempDir;

struct Precision {
  torch::Dtype dtype;
  double bound;
  std::string name;
};
void PrintTo(const Precision& p, std::ostream* os) { *os << p.name; }

class CudaParity : public ::testing::TestWithParam<Precision> {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  }
  // The fixture, or null when absent; its weights alone are written under dir_ for the strict loaders.
  std::unique_ptr<Checkpoint> open(const std::string& name) {
    const std::string path = golden_path(name);
    if (path.empty()) return nullptr;
    auto fixture = std::make_unique<Checkpoint>(path);
    testing::save_fixture_weights(*fixture, dir_.file(name));
    return fixture;
  }
  torch::Tensor on_device(const torch::Tensor& t) const {
    return t.is_floating_point() ? t.to(torch::kCUDA, GetParam().dtype) : t.to(torch::kCUDA);
  }
  TempDir dir_;
};

TEST_P(CudaParity, Dit) {
  auto f = open("hunyuan_dit_tiny_guidance.safetensors");
  if (!f) VIVA_NEEDS_SHARED("golden fixture");
  torch::NoGradGuard no_grad;
  HunyuanDit model(DitOptions::from_json(golden_config(*f), "fixture"));
  load_dit(model, Checkpoint(dir_.file("hunyuan_dit_tiny_guidance.safetensors")));
  model->to(torch::kCUDA, GetParam().dtype);
  model->eval();
  DitInput in;
  in.x = on_device(f->load("input.x"));
  in.t = f->load("input.t").to(torch::kCUDA);  // timesteps stay float32
  in.guidance = f->load("input.guidance").to(torch::kCUDA);
  in.text = on_device(f->load("input.text_states"));
  in.text_mask = on_device(f->load("input.text_mask"));
  in.pooled = on_device(f->load("input.text_states_2"));
  expect_close(model->forward(in), f->load("output.x"), "DiT velocity " + GetParam().name, GetParam().bound);
}

TEST_P(CudaParity, Vae) {
  auto f = open("hunyuan_vae_tiny.safetensors");
  if (!f) VIVA_NEEDS_SHARED("golden fixture");
  torch::NoGradGuard no_grad;
  const VaeOptions options = VaeOptions::from_json(golden_config(*f), "fixture");
  CausalVae vae(options);
  load_vae(vae, Checkpoint(dir_.file("hunyuan_vae_tiny.safetensors")));
  vae->to(torch::kCUDA, GetParam().dtype);
  vae->eval();
  const VaePosterior posterior = vae->encode_posterior(on_device(f->load("input.video")));
    // cuDNN convolutions run in TF32 by default on Ampere and later, so even float32 is looser here.
  const double bound = 2 * GetParam().bound;
  expect_close(posterior.mean, f->load("output.mean"), "VAE mean " + GetParam().name, bound);
  expect_close(vae->decode_untiled(on_device(f->load("output.mean"))), f->load("output.decoded"),
               "VAE decoded " + GetParam().name, bound);
}

TEST_P(CudaParity, Llama) {
  auto f = open("llama3_tiny.safetensors");
  if (!f) VIVA_NEEDS_SHARED("golden fixture");
  torch::NoGradGuard no_grad;
  LlamaOptions options = LlamaOptions::from_hf_config(golden_config(*f), "fixture");
  options.with_lm_head = true;
  LlamaModel model(options);
  load_llama(model, Checkpoint(dir_.file("llama3_tiny.safetensors")));
  model->to(torch::kCUDA, GetParam().dtype);
  model->eval();
  const auto embeddings = model->embed(f->load("input.input_ids").to(torch::kCUDA));
  expect_close(model->forward(embeddings, {}, {}, 3, false), f->load("output.hidden_after_layer_3"),
               "Llama hidden_after_layer_3 " + GetParam().name, GetParam().bound);
  expect_close(model->logits(model->forward(embeddings)), f->load("output.logits"), "Llama logits " + GetParam().name,
               GetParam().bound);
}

INSTANTIATE_TEST_SUITE_P(Precisions, CudaParity,
                         ::testing::Values(Precision{torch::kFloat32, 5e-3, "fp32"},
                                           Precision{torch::kBFloat16, 5e-2, "bf16"}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace viva
