// The ShapesWorld recipe end to end at the smoke plan (every stage, the ablation, resumption)
// and the ablation table.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../../support/needs_shared.h"
#include "../../support/temp_dir.h"
#include "../../support/tiny_model.h"
#include "viva/core/atomic_file.h"
#include "viva/core/config.h"
#include "viva/data/manifest.h"
#include "viva/io/video_reader.h"
#include "viva/nn/media_tensors.h"
#include "viva/pipeline/viva_pipeline.h"
#include "viva/shapes/recipe/ablation_table.h"
#include "viva/shapes/recipe/shapes_recipe.h"
#include "viva/shapes/recipe/shapes_recipe_plan.h"
#include "viva/train/vae_trainer.h"

namespace viva {
namespace {

namespace fs = std::filesystem;
using testing::expect_error_containing;
using testing::TempDir;

nlohmann::json report(double followed, const nlohmann::json& psnr) {
  const nlohmann::json all = {{"clips", 4}, {"followed_share", followed}, {"psnr_outside_mask", psnr}, {"artefact", 0.01}};
  return {{"all", all}, {"by_task", {{"add", all}, {"replace", all}}}};
}

TEST(AblationTable, HasARowPerVariantAndAColumnPerTaskAndSplit) {
  std::vector<AblationVariant> variants = {
      {"vanilla", "Vanilla", "text only", {{"test", report(0.25, 31.0)}, {"hybrid", report(0.0, 29.5)}}},
      {"vmie", "+V+M+I+E", "everything", {{"test", report(0.75, 33.0)}, {"probe", report(0.5, nlohmann::json())}}}};
  const nlohmann::json table = ablation_json(variants);
  const std::string md = ablation_markdown(table);
  EXPECT_NE(md.find("| Vanilla | 25 | 25 | – |"), std::string::npos) << md;  // add, replace; no attribute pairs
  EXPECT_NE(md.find("| +V+M+I+E |"), std::string::npos);
  EXPECT_NE(md.find("| 29.5 |"), std::string::npos);
  EXPECT_NE(md.find("video style (probe)"), std::string::npos);
  EXPECT_EQ(table.at("variants")[1].at("columns").at("video style (probe)").at("followed").get<double>(), 0.5);
  EXPECT_TRUE(table.at("variants")[1].at("columns").at("video style (probe)").at("psnr").is_null());
}

TEST(ShapesRecipe, SmokePlanRunsEveryStageTheAblationAndResumes) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  ShapesRecipeOptions o;
  o.out = dir.file("recipe");
  o.tokenizers = testing::test_tokenizers();
  o.plan = "smoke";
  o.ablation = true;
  o.progress.set_mode(ProgressMode::Silent);
  const ShapesRecipeResult first = run_shapes_recipe(o);
  ASSERT_TRUE(first.finished);
  for (const char* stage : {"data", "init", "vae", "vlm", "clip", "pickscore", "t2v", "sft", "grpo", "eval",
                            "ablation/vanilla", "ablation/v", "ablation/vm", "ablation/vmi"}) {
    const std::optional<ModelCard> card = read_model_card(dir.file(std::string("recipe/") + stage));
    ASSERT_TRUE(card) << stage;
    EXPECT_TRUE(fs::exists(dir.file(std::string("recipe/") + stage + "/MODEL_CARD.md"))) << stage;
    EXPECT_GT(card->wall_seconds, 0.0) << stage;
  }
  EXPECT_TRUE(read_model_card(dir.file("recipe/vae"))->metrics.contains("heldout_psnr_db"));
  EXPECT_TRUE(read_model_card(dir.file("recipe/vae"))->metrics.contains("last_loss"));
  EXPECT_TRUE(read_model_card(dir.file("recipe/grpo"))->metrics.contains("last_reward"));
  // Each trainer stage's config.json records what its trainer ran, readable by `viva train`.
  EXPECT_EQ(SftConfig::read(dir.file("recipe/sft/config.json")).out, dir.file("recipe/sft/run"));
  EXPECT_EQ(GrpoConfig::read(dir.file("recipe/grpo/config.json")).rewards.clip, dir.file("recipe/clip/model"));
  EXPECT_EQ(SftConfig::read(dir.file("recipe/ablation/vm/config.json")).video_probability, 1.0);
  EXPECT_TRUE(read_model_card(dir.file("recipe/clip"))->metrics.contains("heldout_text_to_clip_top1"));
  EXPECT_EQ(read_model_card(dir.file("recipe/eval"))->metrics.at("test").at("clips").get<int64_t>(), 1);
  // The final DiT's flow loss on the test rows, with and without the instruction.
  const nlohmann::json flow = read_model_card(dir.file("recipe/eval"))->metrics.at("test_flow_loss");
  EXPECT_GT(flow.at("inside_without_instruction").get<double>(), 0.0);
  EXPECT_GT(flow.at("outside").get<double>(), 0.0);
  EXPECT_TRUE(std::filesystem::exists(dir.file("recipe/eval/test_flow_loss.md")));
  // The final model is also judged on train rows it was fine-tuned on (its fit) and on validation
  // rows (unseen scenes, scene-wide edits too), the ablation's variants only on the held-out sets.
  for (const char* role : {"train", "validation"}) {
    EXPECT_TRUE(read_model_card(dir.file("recipe/eval"))->metrics.at(role).contains("vae_ceiling_followed_share")) << role;
    EXPECT_EQ(read_manifest(dir.file(std::string("recipe/eval/") + role + ".jsonl")).rows.at(0).split, role);
    EXPECT_FALSE(read_model_card(dir.file("recipe/ablation/v"))->metrics.contains(role)) << role;
  }
  // The VAE ceiling judges the targets (not the sources) through the final model's VAE.
  EXPECT_TRUE(read_model_card(dir.file("recipe/eval"))->metrics.at("test").contains("vae_ceiling_followed_share"));
  {
    const ManifestRow row = read_manifest(dir.file("recipe/eval/test.jsonl")).rows.at(0);
    VivaPipeline vae_only(first.model, torch::kCPU, torch::kFloat32, PipelineParts::vae_only());
    const VivaModelConfig& c = vae_only.config();
    const VideoFrames target = read_video_for_model(row.target, c.width, c.height, row.kind == SampleKind::Image ? 1 : c.frames);
    torch::NoGradGuard no_grad;
    const torch::Tensor x = video_to_tensor(target).unsqueeze(0);
    const VideoFrames expected = tensor_to_video(vae_only.vae()->decode(vae_only.vae()->encode(x)).clamp(-1, 1)[0], target.fps);
    const VideoFrames written = read_video(dir.file("recipe/eval/test_vae_ceiling/" + row.id + ".mkv"));
    ASSERT_EQ(written.frames, expected.frames);
    EXPECT_GT(psnr(written, expected), 45.0);
  }
  // The final model edits; the Vanilla variant's instructor does not see the first frame.
  VivaPipeline final_model(first.model, torch::kCPU, torch::kFloat32);
  EXPECT_TRUE(final_model.config().instructor.first_frame);
  EXPECT_FALSE(VivaModelConfig::read(dir.file("recipe/ablation/vanilla/init")).instructor.first_frame);
  const nlohmann::json table = load_json_file(dir.file("recipe/ablation/ablation.json"));
  ASSERT_EQ(table.at("variants").size(), 5u);
  EXPECT_EQ(table.at("variants")[0].at("label"), "Vanilla");
  EXPECT_EQ(table.at("variants")[4].at("label"), "+V+M+I+E");
  const std::string summary = read_file(dir.file("recipe/RECIPE.md"));
  EXPECT_NE(summary.find("| eval |"), std::string::npos);
  // The probe's stylisations change the whole frame: no PSNR outside their mask, said as such.
  EXPECT_NE(summary.find("probe.psnr_outside_mask=n/a"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("nan"), std::string::npos) << summary;
  int finished_events = 0;
  std::ifstream log(dir.file("recipe/recipe.jsonl"));
  for (std::string line; std::getline(log, line);)
    finished_events += nlohmann::json::parse(line).at("event") == "stage_finished";
  EXPECT_EQ(finished_events, 14);

  // A rerun skips finished stages; a stage whose result is gone resumes from its checkpoint.
  const double vae_time = read_model_card(dir.file("recipe/vae"))->wall_seconds;
  fs::remove(dir.file("recipe/sft/card.json"));
  fs::remove_all(dir.file("recipe/sft/run/model"));
  const ShapesRecipeResult second = run_shapes_recipe(o);
  ASSERT_TRUE(second.finished);
  EXPECT_TRUE(fs::exists(dir.file("recipe/sft/run/model/viva.json")));
  EXPECT_EQ(read_model_card(dir.file("recipe/vae"))->wall_seconds, vae_time);
  EXPECT_EQ(read_model_card(dir.file("recipe/sft"))->steps, 3);
}

// The plans for a lent GPU (tools/gpu/shapes_gpu*.json) fail there, minutes of rare device time
// later, if a key is wrong: read each here as the recipe would, DiT trainer sections included.
TEST(ShapesRecipe, GpuPlansReadAsOverridesOfTheFullPlan) {
  int plans = 0;
  for (const auto& entry : fs::directory_iterator(std::string(VIVA_PROJECT_DIR) + "/tools/gpu")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("shapes_gpu", 0) != 0 || entry.path().extension() != ".json") continue;
    ++plans;
    nlohmann::json plan = ShapesRecipePlan::named("full");
    plan.merge_patch(load_json_file(entry.path().string()));
    // Trainer sections included (a wrong key would otherwise fail minutes into rare device time).
    EXPECT_NO_THROW(ShapesRecipePlan::from_json(plan, name)) << name;
  }
  EXPECT_GE(plans, 3);
}

// The same for the VAE variants of tools/gpu/train_vae.sh, with the keys that script adds.
TEST(ShapesRecipe, GpuVaeVariantsReadAsVaeTrainerConfigs) {
  int variants = 0;
  for (const auto& entry : fs::directory_iterator(std::string(VIVA_PROJECT_DIR) + "/tools/gpu/vae_variants")) {
    if (entry.path().extension() != ".json") continue;
    ++variants;
    nlohmann::json config = load_json_file(entry.path().string());
    config.merge_patch({{"model", "-"}, {"manifest", "-"}, {"out", "-"}, {"steps", 100}, {"heldout_clips", 32},
                        {"checkpoint_every", 25}, {"device", "cuda"}});
    EXPECT_NO_THROW(VaeTrainConfig::from_json(config, entry.path().filename().string())) << entry.path();
  }
  EXPECT_GE(variants, 5);
}

TEST(ShapesRecipe, ThePlanHoldsTheTrainersTypedConfigsAndTheStagesSetThePaths) {
  nlohmann::json plan = ShapesRecipePlan::named("smoke");
  const ShapesRecipePlan p = ShapesRecipePlan::from_json(plan, "p.json", "cuda:1");
  EXPECT_EQ(p.vae.steps, 3);
  EXPECT_EQ(p.vae.device, "cuda:1");  // the recipe's device where a section names none
  EXPECT_TRUE(p.vae.model.empty() && p.vae.out.empty());
  EXPECT_EQ(p.sft.train.batch_size, 2);
  EXPECT_EQ(p.grpo.group_size, 2);
  EXPECT_EQ(p.pickscore.objective, "preference");
  EXPECT_FALSE(p.eval.guidance);  // the model's
  plan["vae"]["device"] = "cpu";
  plan["eval"]["guidance"] = 0;
  const ShapesRecipePlan q = ShapesRecipePlan::from_json(plan, "p.json", "cuda:1");
  EXPECT_EQ(q.vae.device, "cpu");
  EXPECT_EQ(q.vlm.device, "cuda:1");
  ASSERT_TRUE(q.eval.guidance);
  EXPECT_EQ(*q.eval.guidance, 0.0);
  plan["vae"]["model"] = "elsewhere";  // a stage's path is the recipe's
  expect_error_containing([&] { ShapesRecipePlan::from_json(plan, "p.json"); }, {"p.json", "'vae'", "'model'"});
}

TEST(ShapesRecipe, RejectsAnUnknownPlanAndAnOverrideWithAnUnknownKey) {
  expect_error_containing([] { ShapesRecipePlan::named("huge"); }, {"unknown plan 'huge'", "full, smoke"});
  nlohmann::json plan = ShapesRecipePlan::named("smoke");
  plan["t2v"]["transformer"] = {{"hidden_size", 96}, {"heads_num", 3}};
  EXPECT_EQ(ShapesRecipePlan::from_json(plan, "p.json").t2v.transformer.at("hidden_size"), 96);
  // Checked against the preset's DiT when the plan is read, not an hour later at the t2v stage.
  plan["t2v"]["transformer"] = {{"hidden_size", 96}, {"heads_num", 2}};
  expect_error_containing([&] { ShapesRecipePlan::from_json(plan, "p.json"); }, {"p.json", "t2v.transformer", "RoPE"});
  plan["t2v"]["transformer"] = {{"depth", 3}};
  expect_error_containing([&] { ShapesRecipePlan::from_json(plan, "p.json"); }, {"p.json", "'depth' is not an architecture key"});
  plan["t2v"]["transformer"] = 96;
  expect_error_containing([&] { ShapesRecipePlan::from_json(plan, "p.json"); }, {"p.json", "t2v.transformer", "object"});
  plan["t2v"].erase("transformer");
  plan["sft"]["transformer"] = {{"hidden_size", 96}};  // the editor inherits the t2v DiT
  expect_error_containing([&] { ShapesRecipePlan::from_json(plan, "p.json"); }, {"p.json", "sft.transformer"});
  plan["sft"].erase("transformer");
  // Trainer sections are read by their trainers' readers when the plan is read, too.
  plan["sft"]["train"]["batch_size"] = 0;
  expect_error_containing([&] { ShapesRecipePlan::from_json(plan, "p.json"); }, {"p.json", "'sft.train'", "batch_size"});
  plan["sft"]["train"]["batch_size"] = 2;
  plan["grpo"]["samplr"] = "cps";
  expect_error_containing([&] { ShapesRecipePlan::from_json(plan, "p.json"); }, {"p.json", "'grpo'", "samplr"});
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  TempDir dir;
  testing::write_bytes(dir.file("override.json"), R"({"vae": {"stepz": 3}})");
  ShapesRecipeOptions o;
  o.out = dir.file("recipe");
  o.tokenizers = testing::test_tokenizers();
  o.plan = "smoke";
  o.overrides = dir.file("override.json");
  o.progress.set_mode(ProgressMode::Silent);
  expect_error_containing([&] { run_shapes_recipe(o); }, {"override.json", "'vae'", "stepz"});
  EXPECT_FALSE(fs::exists(o.out + "/data")) << "the plan is checked before any stage runs";
  testing::write_bytes(dir.file("override.json"), R"({"data": {"pairz": 3}})");
  expect_error_containing([&] { run_shapes_recipe(o); }, {"override.json", "data.pairz"});
  testing::write_bytes(dir.file("override.json"), R"({"eval": {"steps": "many"}})");
  expect_error_containing([&] { run_shapes_recipe(o); }, {"override.json", "eval.steps", "wrong type"});
  // The object itself instead of a file name: the same checks, named after the option.
  o.overrides = R"( {"data": {"pairz": 3}})";
  expect_error_containing([&] { run_shapes_recipe(o); }, {"--config", "data.pairz"});
  o.overrides = R"({"data": )";
  expect_error_containing([&] { run_shapes_recipe(o); }, {"--config"});
}

}  // namespace
}  // namespace viva
