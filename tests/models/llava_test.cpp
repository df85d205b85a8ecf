#include <gtest/gtest.h>

#include "../support/golden.h"
#include "../support/needs_shared.h"
#include "../support/temp_dir.h"
#include "viva/io/test_pattern.h"
#include "viva/models/clip/clip_image_processor.h"
#include "viva/models/llava/llava_model.h"
#include "viva/models/llava/vlm_instructor.h"

namespace viva {
namespace {

using testing::expect_close;
using testing::expect_error_containing;
using testing::golden_config;
using testing::golden_path;
using testing::TempDir;

LlavaOptions tiny_llava() {
  LlavaOptions o;
  o.vision.hidden_size = 32;
  o.vision.intermediate_size = 64;
  o.vision.num_layers = 3;
  o.vision.num_heads = 2;
  o.vision.image_size = 32;
  o.vision.patch_size = 8;  // 16 patches
  o.text = LlamaOptions()
               .set_vocab_size(128320)  // the real Llama-3 + LLaVA ids must fit
               .set_hidden_size(64)
               .set_intermediate_size(96)
               .set_num_layers(3)
               .set_num_heads(4)
               .set_num_kv_heads(2);
  return o;
}

// Saves a randomly initialised tiny LLaVA in the xtuner (transformers < 4.52) layout.
std::string save_tiny_llava(const TempDir& dir, LlavaModel& model) {
  std::vector<NamedTensor> tensors;
  for (const auto& p : model->named_parameters()) {
    std::string name = p.key();
    if (name.rfind("vision_tower.", 0) == 0) name = "vision_tower.vision_model." + name.substr(13);
    else if (name.rfind("language_model.", 0) == 0) name = "language_model.model." + name.substr(15);
    tensors.push_back({name, p.value().detach()});
  }
  const std::string path = dir.file("llava.safetensors");
  save_safetensors(path, tensors);
  return path;
}

Image frame(int seed) {
  VideoFrames clip = make_test_pattern(seed + 2, 40, 48, 24);
  Image image(48, 40);
  std::copy(clip.frame(seed), clip.frame(seed) + clip.frame_bytes(), image.rgb.begin());
  return image;
}

TEST(Llava, LoadsTheTransformersLayoutAndSplicesImages) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  TempDir dir;
  LlavaModel original(tiny_llava());
  const std::string path = save_tiny_llava(dir, original);
  LlavaModel loaded(tiny_llava());
  load_llava(loaded, Checkpoint(path));

  auto pixels = torch::stack({clip_preprocess(frame(0), 32), clip_preprocess(frame(1), 32)});
  auto features = loaded->image_features(pixels);
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{2, 16, 64}));
  EXPECT_TRUE(torch::allclose(features, original->image_features(pixels)));
  // vision_feature_layer -2: the stream after block 2 of 3, CLS dropped, then the projector.
  auto after2 = loaded->vision_tower(pixels, 2).hidden;
  EXPECT_TRUE(torch::allclose(features, loaded->multi_modal_projector(after2.narrow(1, 1, 16))));

  const int64_t image = loaded->options.image_token_id;
  auto ids = torch::tensor(std::vector<int64_t>{128000, 10, image, 20, 30, image, 40}).unsqueeze(0);
  SplicedInput in = loaded->splice(ids, features);
  EXPECT_EQ(in.embeddings.size(1), 7 - 2 + 2 * 16);
  EXPECT_EQ(in.image_starts, (std::vector<int64_t>{2, 2 + 16 + 2}));
  EXPECT_TRUE(torch::equal(in.embeddings.narrow(1, 2, 16), features.narrow(0, 0, 1)));
  EXPECT_TRUE(torch::equal(in.embeddings.narrow(1, 20, 16), features.narrow(0, 1, 1)));
  auto text = loaded->language_model->embed(torch::tensor({20, 30}, torch::kInt64).unsqueeze(0));
  EXPECT_TRUE(torch::equal(in.embeddings.narrow(1, 18, 2), text));
  expect_error_containing([&] { loaded->splice(ids, features.narrow(0, 0, 1)); }, {"2 <image> tokens but 1 images"});
}

// Reference: Hugging Face transformers' LlavaForConditionalGeneration (tests/golden/README.md).
TEST(LlavaParity, ImageFeaturesHiddenStatesAndLogitsMatchTransformers) {
  const std::string path = golden_path("llava_tiny.safetensors");
  if (path.empty()) VIVA_NEEDS_SHARED("golden fixture llava_tiny.safetensors");
  torch::NoGradGuard no_grad;
  const Checkpoint fixture(path);
  LlavaOptions options = LlavaOptions::from_hf_config(golden_config(fixture), path);
  options.text.with_lm_head = true;
  LlavaModel model(options);
  TempDir dir;
  testing::save_fixture_weights(fixture, dir.file("weights.safetensors"));
  load_llava(model, Checkpoint(dir.file("weights.safetensors")));
  model->eval();

  const auto features = model->image_features(fixture.load("input.pixel_values"));
  expect_close(features, fixture.load("inter.image_features"), "image_features");
  // The prompt has one <image> per image; the reference was called with each expanded to its
  // 16 patch positions, which is what splice produces.
  const SplicedInput in = model->splice(fixture.load("input.input_ids"), features);
  EXPECT_EQ(in.embeddings.size(1), fixture.load("input.input_ids_expanded").size(1));
  for (int k = 1; k <= 3; ++k)
    expect_close(model->language_model->forward(in.embeddings, {}, {}, k, false),
                 fixture.load("output.hidden_after_layer_" + std::to_string(k)), "hidden_after_layer_" + std::to_string(k));
  expect_close(model->language_model->logits(model->language_model->forward(in.embeddings)), fixture.load("output.logits"),
               "logits");
}

class Instructor : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string tokenizer_path = std::string(VIVA_SHARED_DIR) + "/tokenizers/llama3/tokenizer.json";
    if (!std::filesystem::exists(tokenizer_path)) VIVA_NEEDS_SHARED("llama3 tokenizer.json");
    static const BpeTokenizer tokenizer = BpeTokenizer::from_file(tokenizer_path);
    tokenizer_ = &tokenizer;
    torch::manual_seed(1);
    model_ = LlavaModel(tiny_llava());
    VlmInstructorOptions options;
    options.keep_after_layer = 2;
    instructor_ = std::make_unique<VlmInstructor>(model_, *tokenizer_, options);
  }
  const BpeTokenizer* tokenizer_ = nullptr;
  LlavaModel model_{nullptr};
  std::unique_ptr<VlmInstructor> instructor_;
};

TEST_F(Instructor, KeepsSubsampledImageTokensAndTheInstruction) {
  const auto prompt = instructor_->build_prompt("make it snow", false);
  EXPECT_EQ(prompt.ids.front(), 128000);
  const std::vector<int64_t> instruction(prompt.ids.begin() + prompt.instruction_begin, prompt.ids.begin() + prompt.instruction_end);
  std::vector<int64_t> expected;
  for (int id : tokenizer_->encode(" make it snow")) expected.push_back(id);
  expected.push_back(128009);  // <|eot_id|>
  EXPECT_EQ(instruction, expected);

  const InstructorOutput out = instructor_->encode("make it snow", frame(0));
  EXPECT_EQ(out.image_tokens, 4);  // 16 patches, every 4th
  EXPECT_EQ(out.tokens.sizes(), (std::vector<int64_t>{1, 4 + static_cast<int64_t>(expected.size()), 64}));
  EXPECT_EQ(out.mask.sum().item<int64_t>(), out.tokens.size(1));

  // The decoder is causal and the images come first: their states do not depend on the text.
  const InstructorOutput other = instructor_->encode("replace the ball with a box", frame(0));
  EXPECT_TRUE(torch::allclose(other.tokens.narrow(1, 0, 4), out.tokens.narrow(1, 0, 4)));
  EXPECT_FALSE(torch::allclose(other.tokens.narrow(1, 4, 2), out.tokens.narrow(1, 4, 2)));
  // Another first frame changes the image tokens.
  EXPECT_FALSE(torch::allclose(instructor_->encode("make it snow", frame(3)).tokens.narrow(1, 0, 4), out.tokens.narrow(1, 0, 4)));
}

TEST_F(Instructor, UnconditionalBranchAndReferenceImage) {
  const InstructorOutput uncond = instructor_->encode("", frame(0));
  EXPECT_EQ(uncond.tokens.size(1), 4 + 1);  // image tokens and the closing <|eot_id|>
  const InstructorOutput with_ref = instructor_->encode("add this toy", frame(0), frame(1));
  EXPECT_EQ(with_ref.image_tokens, 8);
  const InstructorOutput padded = pad_instructor_output(with_ref, 32);
  EXPECT_EQ(padded.tokens.size(1), 32);
  EXPECT_EQ(padded.mask.sum().item<int64_t>(), with_ref.tokens.size(1));
  EXPECT_EQ(padded.tokens_dropped, 0);
  // Longer than the padded length: cut, and said.
  const InstructorOutput cut = pad_instructor_output(with_ref, 3);
  EXPECT_EQ(cut.tokens.size(1), 3);
  EXPECT_EQ(cut.tokens_dropped, with_ref.tokens.size(1) - 3);
  EXPECT_TRUE(torch::equal(cut.tokens, with_ref.tokens.narrow(1, 0, 3)));
}

TEST_F(Instructor, TruncatesTheInstructionToItsBudgetAndPadsToWhatItCanGive) {
  std::string long_instruction;
  for (int i = 0; i < 300; ++i) long_instruction += " snow";
  const auto prompt = instructor_->build_prompt(long_instruction, false);
  VlmInstructorOptions options;
  EXPECT_EQ(prompt.instruction_end - prompt.instruction_begin, options.max_instruction_tokens + 1);  // + <|eot_id|>
  // The prompt puts a space before the instruction.
  EXPECT_EQ(prompt.instruction_tokens_dropped,
            static_cast<int64_t>(tokenizer_->encode(" " + long_instruction).size()) - options.max_instruction_tokens);
  const InstructorOutput out = instructor_->encode(long_instruction, frame(0), frame(1));
  EXPECT_EQ(out.tokens.size(1), instructor_token_budget(model_->options, options));  // the most it gives
  EXPECT_EQ(instructor_token_budget(model_->options, options), 2 * 4 + 256 + 1);     // 16 patches, every 4th
  // LLaVA-Llama-3-8B's CLIP-L/336: 576 patches, 144 tokens per image at stride 4.
  EXPECT_EQ(instructor_token_budget(LlavaOptions{}, options), 2 * 144 + 256 + 1);
  options.first_frame = false;
  EXPECT_EQ(instructor_token_budget(LlavaOptions{}, options), 144 + 256 + 1);
}

TEST(ClipPreprocess, ResizesShortestSideCropsAndNormalises) {
  Image gray(64, 32, 128);
  auto x = clip_preprocess(gray, 16);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{3, 16, 16}));
  // 128/255 normalised with OpenAI's red mean/std.
  EXPECT_NEAR(x[0][5][5].item<float>(), (128.0 / 255.0 - 0.48145466) / 0.26862954, 1e-3);
}

}  // namespace
}  // namespace viva
