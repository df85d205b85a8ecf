#include "viva/train/grpo_trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/data/grpo_prompts.h"
#include "viva/diffusion/stochastic_steps.h"
#include "viva/io/image.h"
#include "viva/io/line_plot.h"
#include "viva/io/video_reader.h"
#include "viva/nn/media_tensors.h"
#include "viva/pipeline/viva_pipeline.h"
#include "viva/train/grpo_objective.h"
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
                          torch::Tensor x) {
  torch::NoGradGuard no_grad;
  Trajectories tr;
  tr.states.push_back(x);
  for (int k = 0; k < schedule.steps(); ++k) {
    const auto t = torch::full({x.size(0)}, schedule.timestep(k), x.options());
    const StepResult r = step.step(x, velocity(x, t), schedule.sigmas[k], schedule.sigmas[k + 1]);
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
    EncodedPrompt e{p, pipeline.encode(video, p.instruction, reference), video_to_tensor(video).unsqueeze(0)};
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

// Decodes a group's edits, scores them with the edit rewards and returns the group-normalised
// advantages; the rewards go into the step's figures.
torch::Tensor score_group(VivaPipeline& pipeline, EditRewardModel& rewards, const EncodedPrompt& p,
                          const torch::Tensor& latents, const GrpoConfig& config, StepFigures& figures) {
  auto t0 = std::chrono::steady_clock::now();
  const torch::Tensor videos = decode_group(pipeline.vae(), latents);
  figures.sum("decode_s", seconds_since(t0));
  t0 = std::chrono::steady_clock::now();
  const RewardBreakdown r = rewards.score(p.source_video, videos, p.prompt.source_caption, p.prompt.target_caption);
  figures.sum("reward_s", seconds_since(t0));
  const torch::Tensor advantages = group_advantages(r.total, config.advantage_clip).to(pipeline.device());
  figures.mean("reward", r.total.mean().item<double>());
  figures.mean("reward_std", r.total.std(false).item<double>());
  figures.mean("reward_instruction", mean_of(r.instruction));
  figures.mean("reward_preservation", mean_of(r.preservation));
  figures.mean("reward_pickscore", mean_of(r.pickscore));
  figures.mean("reward_brightness", mean_of(r.brightness));
  figures.mean("advantage_abs_mean", advantages.abs().mean().item<double>());
  return advantages;
}

// The clipped-ratio objective + β·KL on a random subset of the group's stochastic steps (the
// last, σ' = 0, never is): each chosen transition recomputed under the reference policy (LoRA
// off) and the current one (with gradient), backpropagated at once so that one step's graph is
// alive at a time, weighted so the optimizer step sees the mean over steps and prompts.
void descend_on_group(const Trajectories& tr, const torch::Tensor& advantages, const VelocityFn& velocity,
                      const FlowSchedule& schedule, StochasticFlowStep& sampler, LoraAdapter& lora,
                      const GrpoConfig& config, MicroStep& m) {
  std::vector<int64_t> stochastic;
  for (int64_t k = 0; k < static_cast<int64_t>(tr.log_probs.size()); ++k)
    if (tr.log_probs[static_cast<std::size_t>(k)].defined()) stochastic.push_back(k);
  const auto order = torch::randperm(static_cast<int64_t>(stochastic.size()), m.generator, torch::kInt64);
  const int64_t chosen = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(config.timestep_fraction * static_cast<double>(stochastic.size()))));
  const double weight = 1.0 / static_cast<double>(chosen * m.count);
  for (int64_t c = 0; c < chosen && c < static_cast<int64_t>(stochastic.size()); ++c) {
    const auto k = static_cast<std::size_t>(stochastic[static_cast<std::size_t>(order[c].item<int64_t>())]);
    const auto& x = tr.states[k];
    const auto& x_next = tr.states[k + 1];
    const double sigma = schedule.sigmas[k], sigma_next = schedule.sigmas[k + 1];
    const auto t = torch::full({x.size(0)}, schedule.timestep(static_cast<int>(k)), x.options());
    torch::Tensor ref_mean;
    {
      torch::NoGradGuard no_grad;
      lora.set_strength(0.0);
      lora.refresh();
      ref_mean = sampler.transition(x, velocity(x, t), sigma, sigma_next).mean;
      lora.set_strength(1.0);
    }
    lora.refresh();
    const GaussianStep current = sampler.transition(x, velocity(x, t), sigma, sigma_next);
    const auto log_prob = gaussian_step_log_prob(current, x_next);
    const GrpoLoss loss = grpo_step_loss(log_prob, tr.log_probs[k], advantages, current.mean, ref_mean, current.std,
                                         config.clip_range, config.kl_weight);
    (loss.loss * weight).backward();
    m.figures.ratio("policy_loss", loss.policy_loss.item<double>(), 1);
    m.figures.ratio("kl", loss.kl.item<double>(), 1);
    m.figures.ratio("clip_fraction", loss.clip_fraction, 1);
    m.figures.ratio("ratio_mean", loss.ratio.mean().item<double>(), 1);
    m.figures.count("trained_steps", 1);
  }
}

}  // namespace

TrainResult train_grpo(const GrpoConfig& config, const TrainRunOptions& run) {
  Trainer trainer("Edit-GRPO", config, config.to_json(), config.out, run);
  const torch::Device device = parse_device(config.device);
  check_device_dtype(device, torch::kFloat32);
  config.rewards.check_folders();
  VivaPipeline pipeline(config.model, device, torch::kFloat32);
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
  dit->eval();  // no dropout; the LoRA is what trains
  torch::manual_seed(config.seed);  // the LoRA's Gaussian A: the same adapter for the same seed
  LoraAdapter lora(*dit, config.lora);
  lora.to(device);
  trainer.start(lora, lora.parameters(), adamw_options(config),
                {{"prompts", all_prompts.size()}, {"encoded_prompts", prompts.size()}, {"lora_layers", lora.layers()}});

  // One micro-step per prompt of the step: a group of G edits sampled from the current policy
  // and recorded step by step, scored, then the objective on some of its steps.
  const auto step = [&](MicroStep& m) {
    const std::size_t pick = prompts_of_step(config, m.step, all_prompts.size())[static_cast<std::size_t>(m.index)];
    const EncodedPrompt& p = prompts[encoded_index.at(pick)];
    const VelocityFn velocity = pipeline.guided_velocity(p.conditions, guidance, model.sampling.embedded_guidance);
    auto sampler = make_step(config.sampler, config.eta, m.generator);
    std::vector<int64_t> shape = p.conditions.source.sizes().vec();
    shape[0] = config.group_size;
    const auto noise = torch::randn(shape, m.generator, torch::kFloat32).to(device);
    {
      torch::NoGradGuard no_grad;
      lora.refresh();
    }
    auto t0 = std::chrono::steady_clock::now();
    const Trajectories tr = sample_group(velocity, schedule, *sampler, noise);
    m.figures.sum("sample_s", seconds_since(t0));
    const torch::Tensor advantages = score_group(pipeline, rewards, p, tr.states.back(), config, m.figures);
    t0 = std::chrono::steady_clock::now();
    descend_on_group(tr, advantages, velocity, schedule, *sampler, lora, config, m);
    m.figures.sum("objective_s", seconds_since(t0));
  };
  double max_kl = 0;  // the largest KL term of this run
  const auto after_update = [&](StepFigures& figures) {
    const nlohmann::json fields = figures.fields();
    if (fields.contains("kl")) max_kl = std::max(max_kl, fields["kl"].get<double>());
  };
  if (!trainer.run(config.prompts_per_step, step, after_update)) return trainer.result();

  write_image((fs::path(config.out) / "reward.png").string(),
              plot_series(logged_step_series(trainer.log().path(), "reward"), "Edit-GRPO mean group reward per step"));
  const std::string lora_path = (fs::path(config.out) / "lora.safetensors").string();
  lora.save(lora_path);
  return trainer.finish(lora_path, {{"max_kl", max_kl}});
}

}  // namespace viva
