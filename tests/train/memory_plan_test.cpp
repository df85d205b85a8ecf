#include "viva/train/memory_plan.h"

#include <gtest/gtest.h>

#include "../support/cli_run.h"
#include "../support/needs_shared.h"
#include "../support/tiny_model.h"
#include "viva/core/atomic_file.h"
#include "viva/models/dit/hunyuan_dit.h"

namespace viva {
namespace {

double line(const MemoryPlan& plan, const std::string& start) {
  for (const auto& l : plan.lines)
    if (l.what.rfind(start, 0) == 0) return l.bytes;
  ADD_FAILURE() << "no line '" << start << "'";
  return 0;
}

TEST(MemoryPlan, LoraCountMatchesTheAdapter) {
  const DitOptions o = DitOptions::tiny();
  for (const std::vector<std::string>& targets :
       {LoraOptions().targets, std::vector<std::string>{"fc1", "fc2"}, std::vector<std::string>{"linear2"}}) {
    HunyuanDit model(o);
    LoraOptions lo;
    lo.rank = 3;
    lo.targets = targets;
    const LoraAdapter lora(*model, lo);
    int64_t built = 0;
    for (const auto& p : lora.parameters()) built += p.numel();
    EXPECT_EQ(lora_parameter_count(o, lo), built) << targets.front();
  }
}

// The 13B DiT: 12.82 B parameters, 16 bytes each (fp32 weights and gradients, AdamW's two
// moments) on every data-parallel rank, 1/W of that fully sharded.
TEST(MemoryPlan, ShardsWeightsGradientsAndOptimizerStateOverTheRanks) {
  const DitOptions dit = DitOptions::hunyuan_13b();
  const double P = 12821012544.0;
  MemoryPlanOptions o;
  o.world_size = 8;
  o.bf16 = true;
  o.activation_checkpointing = true;
  o.tokens = 34 * 60 * 33 + 256;  // 544x960, 129 frames
  const MemoryPlan whole = plan_dit_training_memory(dit, o);
  EXPECT_EQ(whole.parameters, 12821012544LL);
  EXPECT_DOUBLE_EQ(line(whole, "weights"), 4 * P);
  EXPECT_DOUBLE_EQ(line(whole, "AdamW"), 8 * P);
  o.sharded = true;
  const MemoryPlan sharded = plan_dit_training_memory(dit, o);
  EXPECT_DOUBLE_EQ(line(sharded, "weights"), 4 * P / 8);
  EXPECT_DOUBLE_EQ(line(sharded, "gradients"), 4 * P / 8);
  EXPECT_DOUBLE_EQ(line(sharded, "AdamW"), 8 * P / 8);
  // Gathered: the embedders (txt_in 309.2 M, final_layer, vector_in, time_in, guidance_in, img_in:
  // 360.7 M by hunyuanvideo.md §2.4) for the whole step, and one double block (339.8 M); in bf16
  // their matrices, their vectors (biases, norm weights; counted by hand from §2.2's shapes:
  // 135,232 in the embedders, 92,672 per double block, 34,048 per single block) in float32.
  const double embedders_and_block = 309175296.0 + 19077184 + 11802624 + 2 * 10229760 + 199680 + 339831296;
  const double embedder_and_block_vectors = 135232 + 92672;
  EXPECT_DOUBLE_EQ(line(sharded, "gathered: embedders + largest block (bf16 matrices)"),
                   2 * embedders_and_block + 2 * embedder_and_block_vectors);
  // Autocast's bf16 copies of the weights: with checkpointing, the embedders' and the recomputed
  // block's only; without it, every weight's (kept for backward). Sharded, there are none.
  EXPECT_DOUBLE_EQ(line(whole, "autocast weight copies"), 2 * embedders_and_block);
  for (const auto& l : sharded.lines) EXPECT_EQ(l.what.find("autocast"), std::string::npos) << l.what;
  // Checkpointing keeps one input per block (60 blocks) plus one block's activations (17 per
  // token and hidden unit); without it every block keeps 17.
  const double tokens_hidden = static_cast<double>(o.tokens) * 3072;
  EXPECT_DOUBLE_EQ(line(sharded, "activations: block inputs"), 60 * 2 * tokens_hidden);
  o.activation_checkpointing = false;
  o.sharded = false;
  EXPECT_DOUBLE_EQ(line(plan_dit_training_memory(dit, o), "activations: every block"), 60 * 17 * 2 * tokens_hidden);
  EXPECT_DOUBLE_EQ(line(plan_dit_training_memory(dit, o), "autocast weight copies"), 2 * P);
  o.bf16 = false;
  o.sharded = true;
  EXPECT_DOUBLE_EQ(line(plan_dit_training_memory(dit, o), "gathered: embedders + largest block (float32)"),
                   4 * embedders_and_block);
  // Edit-GRPO: the frozen DiT whole (or 1/W of it, sharded, gathered as it runs), the LoRA with
  // its gradients and AdamW state. In bf16 the frozen DiT holds its matrices in bf16, its vectors
  // in float32.
  o.lora = LoraOptions();
  o.sharded = false;
  EXPECT_DOUBLE_EQ(line(plan_dit_training_memory(dit, o), "DiT weights (frozen, float32)"), 4 * P);
  o.bf16 = true;
  o.activation_checkpointing = true;
  const double V = 135232 + 20 * 92672 + 40 * 34048;
  const MemoryPlan grpo = plan_dit_training_memory(dit, o);
  EXPECT_DOUBLE_EQ(line(grpo, "DiT weights (frozen, bf16 matrices)"), 2 * (P - V) + 4 * V);
  EXPECT_DOUBLE_EQ(line(grpo, "AdamW"), 8.0 * static_cast<double>(grpo.trained_parameters));
  o.sharded = true;
  const MemoryPlan sharded_grpo = plan_dit_training_memory(dit, o);
  EXPECT_DOUBLE_EQ(line(sharded_grpo, "DiT weights (frozen"), (2 * (P - V) + 4 * V) / 8);
  EXPECT_DOUBLE_EQ(line(sharded_grpo, "gathered"), line(sharded, "gathered"));
}

TEST(MemoryPlan, CommandPrintsThePlanWithoutTraining) {
  if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
  testing::TempDir dir;
  const std::string model = testing::write_tiny_model(dir);
  write_file_atomically(dir.file("run.json"), nlohmann::json({{"model", model}, {"cache", dir.file("absent")},
                                                              {"out", dir.file("out")}, {"dtype", "fp32"}})
                                                  .dump());
  const testing::CliRun run =
      testing::run_viva(dir, "train sft --config " + dir.file("run.json") + " --plan-memory --world-size 4 --size 64x32 --frames 5");
  ASSERT_EQ(run.status, 0) << run.err;
  for (const char* expected : {"world size 4", "64x32, 5 frames", "weights (float32 master)", "fully sharded",
                               "(1/4 each)", "activations: every block", "total"})
    EXPECT_NE(run.out.find(expected), std::string::npos) << expected << "\n" << run.out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("out")));  // nothing trained, nothing written
}

}  // namespace
}  // namespace viva
