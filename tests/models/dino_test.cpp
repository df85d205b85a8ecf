// DINO v1 and DINOv2 backbones against fixtures made with the reference implementations
// (../shared/golden/README.md): tokens before the first block (position embeddings resampled to a
// non-square grid), every token after the final norm, and the CLS feature, within 1e-5 of the
// output scale; the same weights renamed to the Hugging Face ViTModel / Dinov2Model layouts
// (query, key and value apart), and in a .pth, give the same features.
#include <gtest/gtest.h>

#include <torch/serialize.h>

#include <fstream>

#include "../support/golden.h"
#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "viva/core/safetensors.h"
#include "viva/models/dino/dino_checkpoint.h"

namespace viva {
namespace {

using testing::expect_close;

struct Fixture {
  std::unique_ptr<Checkpoint> file;
  DinoOptions options;
};

Fixture open_fixture(const std::string& name) {
  const std::string path = testing::golden_path(name);
  if (path.empty()) return {};
  Fixture f{std::make_unique<Checkpoint>(path), {}};
  f.options = DinoOptions::from_json(testing::golden_config(*f.file), path);
  return f;
}

DinoVisionTransformer load(const Fixture& f, const std::string& weights) {
  DinoVisionTransformer model(f.options);
  load_dino(model, Checkpoint(weights));
  model->eval();
  return model;
}

// The fixture's weights under Hugging Face names, written by hand here (independently of the
// loader's map): ViTModel names for DINO v1, Dinov2Model names for v2.
void save_hf_layout(const Checkpoint& fixture, bool dinov2, const std::string& path) {
  std::vector<NamedTensor> out;
  const auto put = [&](const std::string& name, const std::string& from) { out.push_back({name, fixture.load(from)}); };
  put("embeddings.cls_token", "cls_token");
  put("embeddings.position_embeddings", "pos_embed");
  if (dinov2) put("embeddings.mask_token", "mask_token");
  for (const char* p : {"weight", "bias"}) {
    put(std::string("embeddings.patch_embeddings.projection.") + p, std::string("patch_embed.proj.") + p);
    put(std::string("layernorm.") + p, std::string("norm.") + p);
  }
  for (int i = 0; fixture.contains("blocks." + std::to_string(i) + ".norm1.weight"); ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".", l = "encoder.layer." + std::to_string(i) + ".";
    for (const std::string p : {"weight", "bias"}) {
      const auto qkv = fixture.load(b + "attn.qkv." + p).chunk(3, 0);
      out.push_back({l + "attention.attention.query." + p, qkv[0].contiguous()});
      out.push_back({l + "attention.attention.key." + p, qkv[1].contiguous()});
      out.push_back({l + "attention.attention.value." + p, qkv[2].contiguous()});
      put(l + "attention.output.dense." + p, b + "attn.proj." + p);
      put(l + (dinov2 ? "norm1." : "layernorm_before.") + p, b + "norm1." + p);
      put(l + (dinov2 ? "norm2." : "layernorm_after.") + p, b + "norm2." + p);
      put(l + (dinov2 ? "mlp.fc1." : "intermediate.dense.") + p, b + "mlp.fc1." + p);
      put(l + (dinov2 ? "mlp.fc2." : "output.dense.") + p, b + "mlp.fc2." + p);
    }
    if (dinov2) {
      put(l + "layer_scale1.lambda1", b + "ls1.gamma");
      put(l + "layer_scale2.lambda1", b + "ls2.gamma");
    }
  }
  if (!dinov2) {  // ViTModel's pooler, which the features do not use
    const int64_t d = fixture.load("norm.weight").size(0);
    out.push_back({"pooler.dense.weight", torch::zeros({d, d})});
  }
  save_safetensors(path, out);
}

// The reference weights in a .pth as libtorch's pickle_save writes it (torch.load reads it; files
// Python's torch.save writes are covered by tests/core/pickled_tensors_test.cpp).
void save_pth(const Checkpoint& fixture, const std::string& path) {
  c10::Dict<std::string, torch::Tensor> weights;
  for (const auto& name : fixture.names())
    if (name.rfind("input.", 0) != 0 && name.rfind("output.", 0) != 0 && name.rfind("inter.", 0) != 0)
      weights.insert(name, fixture.load(name));
  const std::vector<char> bytes = torch::pickle_save(weights);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The fixture's weights in each layout (reference safetensors, Hugging Face, .pth) give the
// reference's position embeddings, embedded tokens and final tokens; `dinov2` picks the
// fixture's output names (v1: output.cls and all tokens; v2: the CLS and patch tokens apart).
void expect_parity(const std::string& name, bool dinov2) {
  const Fixture f = open_fixture(name);
  if (!f.file) VIVA_NEEDS_SHARED("golden fixture " + name);
  EXPECT_EQ(f.options.layer_scale, dinov2);
  torch::NoGradGuard no_grad;
  testing::TempDir dir;
  testing::save_fixture_weights(*f.file, dir.file("reference.safetensors"));
  save_hf_layout(*f.file, dinov2, dir.file("hf.safetensors"));
  save_pth(*f.file, dir.file("weights.pth"));
  const auto pixels = f.file->load("input.pixel_values");
  for (const std::string layout : {"reference.safetensors", "hf.safetensors", "weights.pth"}) {
    DinoVisionTransformer model = load(f, dir.file(layout));
    const int64_t h = pixels.size(2) / f.options.patch_size, w = pixels.size(3) / f.options.patch_size;
    expect_close(model->position_embedding(h, w), f.file->load("inter.pos_embed_interpolated"), layout + " pos", 1e-5);
    expect_close(model->embed(pixels), f.file->load("inter.embedded_tokens"), layout + " embedded", 1e-5);
    const DinoOutput out = model->forward(pixels);
    expect_close(out.cls, f.file->load(dinov2 ? "output.x_norm_clstoken" : "output.cls"), layout + " cls", 1e-5);
    if (dinov2)
      expect_close(out.tokens.narrow(1, 1, out.tokens.size(1) - 1), f.file->load("output.x_norm_patchtokens"),
                   layout + " patch tokens", 1e-5);
    else
      expect_close(out.tokens, f.file->load("inter.tokens"), layout + " tokens", 1e-5);
  }
}

TEST(DinoParity, DinoV1MatchesTheReference) { expect_parity("dino_vit_tiny.safetensors", false); }

TEST(DinoParity, Dinov2MatchesTheReference) { expect_parity("dinov2_vit_tiny.safetensors", true); }

TEST(Dino, ConfigsAndLayoutErrorsNameTheSource) {
  const DinoOptions hf = DinoOptions::from_json(
      {{"model_type", "dinov2"}, {"hidden_size", 768}, {"num_hidden_layers", 12}, {"num_attention_heads", 12},
       {"mlp_ratio", 4}, {"patch_size", 14}, {"image_size", 518}},
      "config.json");
  EXPECT_TRUE(hf.layer_scale);
  EXPECT_EQ(hf.grid(), 37);
  EXPECT_EQ(hf.mlp_hidden, 3072);
  testing::expect_error_containing([] { DinoOptions::from_json({{"model_type", "clip"}, {"hidden_size", 8}}, "c.json"); },
                                   {"c.json"});
  testing::TempDir dir;
  save_safetensors(dir.file("other.safetensors"), {{"weight", torch::zeros({2})}});
  DinoVisionTransformer model(DinoOptions::from_json(
      {{"patch_size", 8}, {"embed_dim", 32}, {"depth", 1}, {"num_heads", 2}, {"img_size", 32}}, "tiny"));
  testing::expect_error_containing([&] { load_dino(model, Checkpoint(dir.file("other.safetensors"))); },
                                   {"no DINO backbone found"});
}

}  // namespace
}  // namespace viva
