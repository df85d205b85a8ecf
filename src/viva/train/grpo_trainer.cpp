#include "viva/train/grpo_trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "viva/core/compat.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/data/grpo_prompts.h"
#include "viva/diffusion/stochastic_steps.h"
#include "viva/io/image.h"
#include "viva/io/line_plot.h"
#include "viva/io/video_reader.h"
#include "viva/nn/media_tensors.h"
#include "viva/nn/sharded_units.h"
#include "viva/pipeline/viva_pipeline.h"
#include "viva/train/data_parallel.h"
#include "viva/train/grpo_objective.h"
#include "viva/train/sample_groups.h"
#include "viva/train/trainer.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

struct EncodedPrompt {
  GrpoPrompt prompt;
  EditConditions conditions;
  torch::Tensor source_video;  // [1, 3, T, H, W] in [-1, 1], for R_SP
};

// One group's trajectories: states[k] is x at σ_k ([G, ...]); log_probs[k] the log-probability
// of the step σ_k -> σ_k+1 under the sampling policy (undefined for a deterministic step).
struct Trajectories {
  std::vector<torch::Tensor> states, log_probs;
};

std::unique_ptr<StochasticFlowStep> make_step(const std::string& sampler, double eta, const torch::Generator& g) {
  if (sampler == "cps") return std::make_unique<CpsStep>(eta, g);
  return std::make_unique<FlowSdeStep>(eta, g);
}

Trajectories sample_group(const VelocityFn& velocity, const FlowSchedule& schedule, StochasticFlowStep& step,
                          torch::Tensor x, bool autocast) {
  torch::NoGradGuard no_grad;
  const compat::AutocastGuard mixed_precision(x.device().type(), torch::kBFloat16, autocast);
  Trajectories tr;
  tr.states.push_back(x);
  for (int k = 0; k < schedule.steps(); ++k) {
    const auto t = torch::full({x.size(0)}, schedule.timestep(k), x.options());
    const StepResult r = step.step(x, velocity(x, t).to(torch::kFloat32), schedule.sigmas[k], schedule.sigmas[k + 1]);
    x = r.x;
    tr.states.push_back(x);
    tr.log_probs.push_back(r.log_prob);
  }
  return tr;
}

torch::Tensor decode_group(CausalVae& vae, const torch::Tensor& latents) {
  torch::NoGradGuard no_grad;
  // One batch when the group fits one tile (several times faster on a CPU than clip by clip);
  // larger videos are tiled one clip at a time by the VAE itself.
  return vae->decode(latents).to(torch::kFloat32).clamp(-1, 1);
}

std::vector<EncodedPrompt> encode_prompts(VivaPipeline& pipeline, const std::vector<GrpoPrompt>& prompts, int width,
                                          int height, int frames, const ProgressOptions& progress_options) {
  std::vector<EncodedPrompt> encoded;
  Progress progress("encoding GRPO prompts", static_cast<int64_t>(prompts.size()),
                    ProgressOptions(progress_options).set_unit("prompt"));
  for (const GrpoPrompt& p : prompts) {
    const VideoFrames video = read_video_for_model(p.source, width, height, frames);
    std::optional<Image> reference;
    if (!p.reference.empty()) reference = read_image(p.reference);
    // On the host: every prompt of the run is encoded before training, and a GPU would otherwise
    // hold all their conditions beside the DiT (guided_velocity brings a group's in).
    EncodedPrompt e{p, conditions_on(pipeline.encode(video, p.instruction, reference), torch::kCPU),
                    video_to_tensor(video).unsqueeze(0)};
    encoded.push_back(std::move(e));
    progress.update(static_cast<int64_t>(encoded.size()));
  }
  progress.finish();
  pipeline.release_encoders();
  return encoded;
}

// The prompts of step `step`, drawn from their own stream (the step's seed hashed once more) so
// that they are known before training starts: only the prompts a run will use are encoded.
std::vector<std::size_t> prompts_of_step(const GrpoConfig& config, int64_t step, std::size_t available) {
  torch::Generator generator = at::detail::createCPUGenerator(step_seed(step_seed(config.seed, step), 0));
  const auto picks = torch::randint(static_cast<int64_t>(available), {config.prompts_per_step}, generator, torch::kInt64);
  std::vector<std::size_t> out;
  for (int64_t g = 0; g < config.prompts_per_step; ++g) out.push_back(static_cast<std::size_t>(picks[g].item<int64_t>()));
  return out;
}

double mean_of(const torch::Tensor& t) { return t.defined() ? t.mean().item<double>() : NAN; }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Decodes this rank's members of a group, scores them with the edit rewards, gathers every
// sample group's rewards (a group's members are spread over them) and returns the advantages of
// this rank's members, normalised over the whole group; the rewards go into the step's figures.
torch::Tensor score_group(VivaPipeline& pipeline, EditRewardModel& rewards, const EncodedPrompt& p,
                          const torch::Tensor& latents, const GrpoConfig& config, const Trainer& trainer,
                          StepFigures& figures) {
  auto t0 = std::chrono::steady_clock::now();
  const torch::Tensor videos = decode_group(pipeline.vae(), latents);
  if (videos.is_cuda()) torch::cuda::synchronize();  // the decode's time, not its launches'
  figures.sum("decode_s", seconds_since(t0));
  t0 = std::chrono::steady_clock::now();
  const RewardBreakdown r = rewards.score(p.source_video, videos, p.prompt.source_caption, p.prompt.target_caption);
  figures.sum("reward_s", seconds_since(t0));
  // All-gather as a sum: each sample group fills its own slots of the whole group (its first
  // rank does: a sequence-parallel group's ranks hold the same edits).
  const int64_t members = latents.size(0), first = trainer.sample_rank() * members;
  std::vector<double> group(static_cast<std::size_t>(config.group_size), 0.0);
  if (trainer.rank() % trainer.ranks_per_sample() == 0) {
    const auto mine = r.total.to(torch::kFloat64).cpu().contiguous();
    std::copy(mine.data_ptr<double>(), mine.data_ptr<double>() + members, group.begin() + first);
  }
  trainer.sum_over_ranks(group);
  const auto all = torch::tensor(group, torch::kFloat64).to(torch::kFloat32);
  const torch::Tensor advantages = group_advantages(all, config.advantage_clip).narrow(0, first, members).to(pipeline.device());
  figures.mean("reward", all.mean().item<double>());
  figures.mean("reward_std", all.std(false).item<double>());
  figures.mean("reward_instruction", mean_of(r.instruction));
  figures.mean("reward_preservation", mean_of(r.preservation));
  figures.mean("reward_pickscore", mean_of(r.pickscore));
  figures.mean("reward_brightness", mean_of(r.brightness));
  figures.mean("advantage_abs_mean", advantages.abs().mean().item<double>());
  return advantages;
}

// A sampled group waiting for its updates: the trajectories, advantages and the stochastic
// steps chosen for training, in the order they are trained.
struct SampledGroup {
  const EncodedPrompt* prompt = nullptr;
  Trajectories trajectories;
  torch::Tensor advantages;
  std::vector<std::size_t> chosen;
};

// The steps a group trains on: a random `timestep_fraction` of its stochastic steps (the last,
// σ' = 0, never is one).
std::vector<std::size_t> choose_steps(const Trajectories& tr, double fraction, torch::Generator& generator) {
  std::vector<std::size_t> stochastic;
  for (std::size_t k = 0; k < tr.log_probs.size(); ++k)
    if (tr.log_probs[k].defined()) stochastic.push_back(k);
  const auto order = torch::randperm(static_cast<int64_t>(stochastic.size()), generator, torch::kInt64);
  const auto chosen = std::min<std::size_t>(
      stochastic.size(),
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(stochastic.size())))));
  std::vector<std::size_t> out;
  for (std::size_t c = 0; c < chosen; ++c) out.push_back(stochastic[static_cast<std::size_t>(order[static_cast<int64_t>(c)].item<int64_t>())]);
  return out;
}

// The clipped-ratio objective + β·KL on step k of a group: the transition recomputed under the
// reference policy (LoRA off) and the current one (with gradient), backpropagated at once so
// that one step's graph is alive at a time, scaled by `weight`.
void descend_on_step(const SampledGroup& g, std::size_t k, double weight, const VelocityFn& velocity,
                     const FlowSchedule& schedule, StochasticFlowStep& sampler, LoraAdapter& lora,
                     const GrpoConfig& config, bool autocast, StepFigures& figures) {
  const auto& x = g.trajectories.states[k];
  const auto& x_next = g.trajectories.states[k + 1];
  const double sigma = schedule.sigmas[k], sigma_next = schedule.sigmas[k + 1];
  const auto t = torch::full({x.size(0)}, schedule.timestep(static_cast<int>(k)), x.options());
  const compat::AutocastGuard mixed_precision(x.device().type(), torch::kBFloat16, autocast);
  torch::Tensor ref_mean;
  {
    torch::NoGradGuard no_grad;
    lora.set_strength(0.0);
    ref_mean = sampler.transition(x, velocity(x, t).to(torch::kFloat32), sigma, sigma_next).mean;
    lora.set_strength(1.0);
  }
  const GaussianStep current = sampler.transition(x, velocity(x, t).to(torch::kFloat32), sigma, sigma_next);
  const auto log_prob = gaussian_step_log_prob(current, x_next);
  const GrpoLoss loss = grpo_step_loss(log_prob, g.trajectories.log_probs[k], g.advantages, current.mean, ref_mean,
                                       current.std, config.clip_range, config.kl_weight);
  (loss.loss * weight).backward();
  figures.ratio("policy_loss", loss.policy_loss.item<double>(), 1);
  figures.ratio("kl", loss.kl.item<double>(), 1);
  figures.ratio("clip_fraction", loss.clip_fraction, 1);
  figures.ratio("ratio_mean", loss.ratio.mean().item<double>(), 1);
  figures.count("trained_steps", 1);
}

}  // namespace

TrainResult train_grpo(const GrpoConfig& config, const TrainRunOptions& run) {
  // Sequence parallel: each group member is split over S ranks; the reduction sums each sample
  // group's parts of the LoRA's gradient and averages over the sample groups.
  const int S = static_cast<int>(config.sequence_parallel);
  SampleGroups sequence;
  std::unique_ptr<DataParallel> group_reducer;
  TrainRunOptions run_options = run;
  if (S > 1) {
    sequence = sample_groups(run.group, S, "viva train grpo");
    group_reducer = std::make_unique<DataParallel>(*run.group, S);
    run_options.reducer = group_reducer.get();
  }
  Trainer trainer("Edit-GRPO", config, config.to_json(), config.out, run_options);
  const torch::Device device = parse_device(config.device);
  // The LoRA, its optimizer state and the objective stay float32; bf16 means autocast, on the
  // CPU too (slower there than fp32, but the GPU's mixed-precision path, tested).
  const bool autocast = config.autocast("viva train grpo");
  const int sample_group_count = trainer.world_size() / S;
  if (config.group_size % sample_group_count != 0)
    throw Error("viva train grpo", "group_size " + std::to_string(config.group_size) + " must be a multiple of " +
                                       (S > 1 ? "the number of sample groups " : "the world size ") +
                                       std::to_string(sample_group_count) + " (a group's members are spread over them)");
  config.rewards.check_folders();
  // Every DiT forward here runs under autocast, whose matmuls compute in bf16 whatever the
  // frozen weights are held in: holding those in bf16 gives the same values for half the bytes.
  PipelineParts parts;
  if (autocast) parts.transformer_autocast_weights = torch::kBFloat16;
  VivaPipeline pipeline(config.model, device, torch::kFloat32, parts);
  if (S > 1) pipeline.split_sequence(sequence.split);
  const VivaModelConfig& model = pipeline.config();
  const int width = config.width.value_or(model.width);
  const int height = config.height.value_or(model.height);
  const int frames = config.frames.value_or(model.frames);
  const double guidance = config.guidance.value_or(model.sampling.guidance);
  const double shift = config.shift.value_or(model.sampling.shift);
  const FlowSchedule schedule = FlowSchedule::shifted(static_cast<int>(config.sampling_steps), shift);

  const std::vector<GrpoPrompt> all_prompts = read_grpo_prompts(config.prompts, config.split);
  std::map<std::size_t, std::size_t> encoded_index;  // prompt -> its place in `prompts`
  std::vector<GrpoPrompt> used;
  for (int64_t s = 0; s < config.steps; ++s)
    for (std::size_t i : prompts_of_step(config, s, all_prompts.size()))
      if (encoded_index.emplace(i, used.size()).second) used.push_back(all_prompts[i]);
  const std::vector<EncodedPrompt> prompts = encode_prompts(pipeline, used, width, height, frames, run.progress);
  EditRewardModel rewards(config.rewards, device);

  HunyuanDit& dit = pipeline.transformer();
  // The DiT has no dropout: train mode only lets activation checkpointing recompute its blocks.
  dit->train(config.activation_checkpointing);
  dit->activation_checkpointing = config.activation_checkpointing;
  torch::manual_seed(config.seed);  // the LoRA's Gaussian A: the same adapter for the same seed
  LoraAdapter lora(*dit, config.lora);
  lora.to(device);
  // Sharded: each rank keeps 1/W of each frozen unit of the DiT (the embedders, each block),
  // gathered as it runs; the LoRA beside its layers stays whole on every rank. The embedders,
  // small and frozen, stay gathered once they are.
  if (config.sharding == "full") {
    std::vector<std::vector<torch::Tensor>> units;
    for (const auto& unit : dit->parameter_units()) {
      units.emplace_back();
      for (const auto& named : unit) units.back().push_back(named.second);
    }
    dit->sharded_units = std::make_shared<ShardedUnits>(std::move(units), run.group, S, /*frozen=*/true);
  }
  double frozen_dit_bytes = 0;  // what this rank keeps of the frozen DiT between its runs
  for (const auto& t : dit->sharded_units ? dit->sharded_units->shards() : dit->parameters())
    frozen_dit_bytes += static_cast<double>(t.numel() * t.element_size());
  trainer.start(lora, lora.parameters(), adamw_options(config),
                {{"prompts", all_prompts.size()}, {"encoded_prompts", prompts.size()}, {"lora_layers", lora.layers()},
                 {"world_size", trainer.world_size()}, {"frozen_dit_bytes", frozen_dit_bytes}});

  // One micro-step per prompt of the step: this rank's members of a group of G edits, sampled
  // from the current policy step by step and scored. After the last prompt, the sampled groups'
  // chosen steps are trained on in `updates_per_group` minibatches, an optimizer update after
  // each (PPO-style: from the second on, the policy has moved away from the one that sampled).
  const int64_t members = config.group_size / sample_group_count;
  std::vector<SampledGroup> groups;
  std::vector<std::unique_ptr<StochasticFlowStep>> samplers;
  const auto step = [&](MicroStep& m) {
    if (m.index == 0) groups.clear(), samplers.clear();
    const std::size_t pick = prompts_of_step(config, m.step, all_prompts.size())[static_cast<std::size_t>(m.index)];
    SampledGroup g;
    g.prompt = &prompts[encoded_index.at(pick)];
    const VelocityFn velocity = pipeline.guided_velocity(g.prompt->conditions, guidance, model.sampling.embedded_guidance);
    samplers.push_back(make_step(config.sampler, config.eta, m.generator));
    std::vector<int64_t> shape = g.prompt->conditions.source.sizes().vec();
    shape[0] = members;
    const auto noise = torch::randn(shape, m.generator, torch::kFloat32).to(device);
    auto t0 = std::chrono::steady_clock::now();
    g.trajectories = sample_group(velocity, schedule, *samplers.back(), noise, autocast);
    m.figures.sum("sample_s", seconds_since(t0));
    g.advantages = score_group(pipeline, rewards, *g.prompt, g.trajectories.states.back(), config, trainer, m.figures);
    g.chosen = choose_steps(g.trajectories, config.timestep_fraction, m.generator);
    if (static_cast<int64_t>(g.chosen.size()) < config.updates_per_group)
      throw Error("viva train grpo", "updates_per_group " + std::to_string(config.updates_per_group) + " exceeds the " +
                                         std::to_string(g.chosen.size()) + " steps trained per group");
    groups.push_back(std::move(g));
    if (m.index + 1 < m.count) return;

    t0 = std::chrono::steady_clock::now();
    const auto updates = static_cast<std::size_t>(config.updates_per_group);
    for (std::size_t u = 0; u < updates; ++u) {
      // Minibatch u: the u-th slice of every group's chosen steps, weighted to their mean.
      std::size_t transitions = 0;
      for (const SampledGroup& group : groups)
        transitions += (u + 1) * group.chosen.size() / updates - u * group.chosen.size() / updates;
      for (std::size_t i = 0; i < groups.size(); ++i) {
        const SampledGroup& group = groups[i];
        const VelocityFn velocity =
            pipeline.guided_velocity(group.prompt->conditions, guidance, model.sampling.embedded_guidance);
        for (std::size_t c = u * group.chosen.size() / updates; c < (u + 1) * group.chosen.size() / updates; ++c)
          descend_on_step(group, group.chosen[c], 1.0 / static_cast<double>(transitions), velocity, schedule,
                          *samplers[i], lora, config, autocast, m.figures);
      }
      if (u + 1 < updates) m.update();  // the step's own update follows the last minibatch
    }
    m.figures.sum("objective_s", seconds_since(t0));
  };
  double max_kl = 0;  // the largest KL term of this run
  const auto after_update = [&](StepFigures& figures) {
    const nlohmann::json fields = figures.fields();
    if (fields.contains("kl")) max_kl = std::max(max_kl, fields["kl"].get<double>());
  };
  if (!trainer.run(config.prompts_per_step, step, after_update)) return trainer.result();

  const std::string lora_path = (fs::path(config.out) / "lora.safetensors").string();
  if (!trainer.writes()) return trainer.finish(lora_path);  // rank 0 writes the outputs
  write_image((fs::path(config.out) / "reward.png").string(),
              plot_series(logged_step_series(trainer.log().path(), "reward"), "Edit-GRPO mean group reward per step"));
  lora.save_file(lora_path);
  return trainer.finish(lora_path, {{"max_kl", max_kl}});
}

}  // namespace viva
