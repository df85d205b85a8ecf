// ViCLIP against the fixture made with the reference (../shared/golden/README.md): the vision
// tokens before ln_pre (one CLS, patch-major / frame-minor with spatial and temporal position
// embeddings), ln_post's output and the video embedding; ln_final's output and the text
// embeddings at the end token; the video-text similarities. Also loaded from a nested .pth.
#include <gtest/gtest.h>

#include <torch/serialize.h>

#include <fstream>

#include "../support/golden.h"
#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/models/viclip/viclip_checkpoint.h"
#include "viva/tokenizers/clip_tokenizer.h"

namespace viva {
namespace {

using testing::expect_close;

TEST(ViclipParity, VideoAndTextTowersMatchTheReference) {
  const std::string path = testing::golden_path("viclip_tiny.safetensors");
  if (path.empty()) VIVA_NEEDS_SHARED("golden fixture viclip_tiny.safetensors");
  const Checkpoint fixture(path);
  const ViclipOptions o = ViclipOptions::from_json(testing::golden_config(fixture), path);
  torch::NoGradGuard no_grad;
  testing::TempDir dir;
  testing::save_fixture_weights(fixture, dir.file("weights.safetensors"));
  // The same weights as {"model": state_dict} in a .pth (libtorch's pickle_save format).
  c10::Dict<std::string, c10::Dict<std::string, torch::Tensor>> nested;
  c10::Dict<std::string, torch::Tensor> state;
  for (const auto& name : Checkpoint(dir.file("weights.safetensors")).names()) state.insert(name, fixture.load(name));
  nested.insert("model", state);
  const std::vector<char> bytes = torch::pickle_save(nested);
  std::ofstream(dir.file("weights.pth"), std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));

  for (const std::string file : {"weights.safetensors", "weights.pth"}) {
    ViclipModel model(o);
    load_viclip(model, Checkpoint(dir.file(file)));
    model->eval();
    const auto video = fixture.load("input.video");
    expect_close(model->vision_encoder->embed(video), fixture.load("inter.vision_embedded"), file + " embedded", 1e-5);
    torch::Tensor vision_hidden, text_hidden;
    const auto video_embeds = model->vision_encoder->forward(video, &vision_hidden);
    expect_close(vision_hidden, fixture.load("inter.vision_last_hidden"), file + " vision hidden", 1e-5);
    expect_close(video_embeds, fixture.load("output.video_embeds"), file + " video", 1e-5);
    const auto text_embeds = model->text_encoder->forward(fixture.load("input.input_ids"), &text_hidden);
    expect_close(text_hidden, fixture.load("inter.text_last_hidden"), file + " text hidden", 1e-5);
    expect_close(text_embeds, fixture.load("output.text_embeds"), file + " text", 1e-5);
    namespace F = torch::nn::functional;
    const auto sims = torch::matmul(F::normalize(video_embeds, F::NormalizeFuncOptions().dim(-1)),
                                    F::normalize(text_embeds, F::NormalizeFuncOptions().dim(-1)).t());
    expect_close(sims, fixture.load("output.sims"), file + " sims", 1e-5);
  }
}

// The reference tokenizer's rows (context 32, the long caption cut with the end token last).
TEST(ViclipParity, CaptionsTokenizeAsTheReference) {
  const std::string path = testing::golden_path("viclip_tiny.safetensors");
  if (path.empty()) VIVA_NEEDS_SHARED("golden fixture viclip_tiny.safetensors");
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  const Checkpoint fixture(path);
  const auto texts = nlohmann::json::parse(fixture.metadata().at("texts"));
  const ClipTokenizer tokenizer = ClipTokenizer::from_file(testing::test_tokenizers() + "/clip/bpe_simple_vocab_16e6.txt.gz");
  const auto expected = fixture.load("input.input_ids_bpe");
  for (int64_t i = 0; i < static_cast<int64_t>(texts.size()); ++i)
    EXPECT_TRUE(torch::equal(torch::tensor(tokenizer.encode_row(texts[i].get<std::string>(), 32, 0), torch::kInt64),
                             expected[i]))
        << texts[i];
}

TEST(Viclip, FrameCountAndLayoutErrors) {
  ViclipOptions o = ViclipOptions::from_json({{"input_resolution", 16}, {"patch_size", 8}, {"vision_width", 8},
                                              {"vision_layers", 1}, {"vision_heads", 2}, {"num_frames", 4},
                                              {"embed_dim", 4}, {"vocab_size", 50}, {"text_width", 8},
                                              {"text_layers", 1}, {"text_heads", 2}},
                                             "tiny");
  ViclipModel model(o);
  torch::NoGradGuard no_grad;
  EXPECT_EQ(model->vision_encoder->forward(torch::zeros({1, 1, 3, 16, 16})).sizes(), (std::vector<int64_t>{1, 4}));
  testing::expect_error_containing([&] { model->vision_encoder->forward(torch::zeros({1, 3, 3, 16, 16})); },
                                   {"takes 4 frames (or 1), not 3"});
  testing::TempDir dir;
  save_safetensors(dir.file("other.safetensors"), {{"weight", torch::zeros({2})}});
  testing::expect_error_containing([&] { load_viclip(model, Checkpoint(dir.file("other.safetensors"))); },
                                   {"no ViCLIP found"});
}

}  // namespace
}  // namespace viva
