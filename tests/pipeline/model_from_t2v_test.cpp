// `viva model init --from-t2v`: a VIVA editor from released-layout weights (written here by our
// own writers from the tiny model) that references them, edits, and says what is missing.
#include "viva/pipeline/model_from_t2v.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "../support/needs_shared.h"
#include "../support/released_layout.h"
#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/core/atomic_file.h"
#include "viva/core/config.h"
#include "viva/io/image.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/edit_job.h"

namespace viva {
namespace {

namespace fs = std::filesystem;
using testing::expect_error_containing;
using testing::TempDir;

class ModelFromT2v : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
    architecture = testing::architecture_of(testing::write_tiny_model(dir));
    released = testing::write_released_layout(dir.file("released"), architecture, testing::test_tokenizers());
  }
  ModelFromT2vOptions options(const std::string& out) const {
    ModelFromT2vOptions o;
    o.t2v = released.t2v;
    o.instructor = released.instructor;
    o.out = dir.file(out);
    return o;
  }
  TempDir dir;
  testing::ReleasedArchitecture architecture;
  testing::ReleasedFolders released;
};

TEST_F(ModelFromT2v, ReferencesTheReleasedWeightsAndWritesOnlyVivasTensors) {
  const ModelFromT2vSummary summary = write_model_from_t2v(options("viva"));
  EXPECT_EQ(summary.linked_shards, 2);
  EXPECT_EQ(summary.new_tensors, 4);  // src_in weight and bias, the projector's weight and bias
  const ModelFolder model(dir.file("viva"));
  for (ModelComponent c : {ModelComponent::Vae, ModelComponent::Instructor, ModelComponent::ClipText})
    EXPECT_TRUE(model.is_referenced(c));
  EXPECT_FALSE(model.is_referenced(ModelComponent::Transformer));
  EXPECT_EQ(fs::path(model.component_path(ModelComponent::Vae)), fs::absolute(released.t2v + "/vae").lexically_normal());
  EXPECT_FALSE(model.config().text_tokens);  // the instructor's budget
  // The released shards are linked, not copied.
  const fs::path shard = "diffusion_pytorch_model-00001-of-00002.safetensors";
  EXPECT_TRUE(fs::equivalent(fs::path(model.component_path(ModelComponent::Transformer)) / shard,
                             fs::path(released.t2v) / "transformer" / shard));

  // At step 0 the editor is the text-to-video model, whatever the source.
  torch::NoGradGuard no_grad;
  HunyuanDit editor = model.load_transformer(torch::kCPU, torch::kFloat32);
  HunyuanDit t2v(architecture.dit);
  load_dit(t2v, Checkpoint(released.t2v + "/transformer"));
  t2v->eval();
  DitInput in;
  in.x = torch::randn({1, architecture.dit.in_channels, 2, 8, 8});
  in.t = torch::full({1}, 700.0);
  in.text = torch::randn({1, 6, architecture.dit.text_dim});
  in.pooled = torch::randn({1, architecture.dit.pooled_dim});
  if (architecture.dit.guidance_embed) in.guidance = torch::full({1}, 6000.0);
  const torch::Tensor expected = t2v->forward(in);
  in.source = torch::randn_like(in.x);
  EXPECT_TRUE(torch::allclose(editor->forward(in), expected, 1e-4, 1e-5));

  // It edits, with and without a reference image.
  VivaPipeline pipeline(dir.file("viva"), torch::kCPU, torch::kFloat32);
  write_video(dir.file("source.mkv"), make_test_pattern(5, 64, 64, 24));
  write_image(dir.file("reference.png"), Image(64, 64, 200));
  EditJob job;
  job.video = dir.file("source.mkv");
  job.instruction = "make it snow";
  job.output = dir.file("edited.mkv");
  job.sampling = pipeline.config().sampling;
  job.sampling.steps = 2;
  job.width = job.height = 64;
  EditJob with_reference = job;
  with_reference.reference = dir.file("reference.png");
  with_reference.output = dir.file("edited_ref.mkv");
  const auto results = run_edit_jobs(pipeline, {job, with_reference}, ProgressOptions().set_mode(ProgressMode::Silent));
  for (const EditResult& r : results) EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(read_video(dir.file("edited_ref.mkv")).frames, 5);

  // Training the VAE of such a folder writes a VAE of its own; the released one is untouched.
  const auto released_vae = read_file(released.t2v + "/vae/config.json");
  CausalVae vae = model.load_vae(torch::kCPU, torch::kFloat32);
  VaeOptions changed = vae->options;
  changed.scaling_factor = 0.125;
  model.write_with_component(
      ModelComponent::Vae, dir.file("trained"), [&](const std::string& w) { save_parameters(*vae, w); }, changed.to_json());
  const ModelFolder trained(dir.file("trained"));
  EXPECT_FALSE(trained.is_referenced(ModelComponent::Vae));
  EXPECT_EQ(trained.vae_options().scaling_factor, 0.125);
  EXPECT_TRUE(trained.is_referenced(ModelComponent::Instructor));
  EXPECT_EQ(read_file(released.t2v + "/vae/config.json"), released_vae);
}

TEST_F(ModelFromT2v, ErrorsNameTheFolderAndTheMissingPiece) {
  // A missing shard.
  const fs::path shard = fs::path(released.t2v) / "transformer" / "diffusion_pytorch_model-00002-of-00002.safetensors";
  fs::rename(shard, dir.file("aside.safetensors"));
  expect_error_containing([&] { write_model_from_t2v(options("a")); }, {"00002-of-00002"});
  fs::rename(dir.file("aside.safetensors"), shard);
  // Widths that do not agree: an instructor narrower than the DiT's text input.
  const std::string config_path = released.instructor + "/config.json";
  const std::string config = read_file(config_path);
  nlohmann::json narrow = load_json_file(config_path);
  narrow["text_config"]["hidden_size"] = architecture.dit.text_dim / 2;
  write_file_atomically(config_path, narrow.dump());
  expect_error_containing([&] { write_model_from_t2v(options("b")); }, {"config.json", "does not match the transformer's text width"});
  write_file_atomically(config_path, config);
  // A folder in the wrong layout: no vae/.
  fs::rename(released.t2v + "/vae", dir.file("vae_aside"));
  expect_error_containing([&] { write_model_from_t2v(options("c")); }, {"vae", "missing"});
  fs::rename(dir.file("vae_aside"), released.t2v + "/vae");
  // Nothing was left behind by the failures; the folder then builds.
  for (const char* out : {"a", "b", "c"}) EXPECT_FALSE(fs::exists(dir.file(out))) << out;
  EXPECT_NO_THROW(write_model_from_t2v(options("d")));
  expect_error_containing([&] { write_model_from_t2v(options("d")); }, {"not empty"});
}

}  // namespace
}  // namespace viva
