#include "viva/train/grpo_trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/core/jsonl_log.h"
#include "viva/data/grpo_prompts.h"
#include "viva/diffusion/stochastic_steps.h"
#include "viva/io/image.h"
#include "viva/io/line_plot.h"
#include "viva/io/video_reader.h"
#include "viva/nn/media_tensors.h"
#include "viva/pipeline/viva_pipeline.h"
#include "viva/train/grpo_objective.h"
#include "viva/train/train_checkpoint.h"
#include "viva/train/train_loop.h"

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

}  // namespace

GrpoResult train_grpo(const GrpoConfig& config, const GrpoRunOptions& options) {
  torch::AutoGradMode grad_mode(true);  // trains even when the caller holds a NoGradGuard
  const torch::Device device = parse_device(config.device);
  check_device_dtype(device, torch::kFloat32);
  config.rewards.check_folders();
  VivaPipeline pipeline(config.model, device, torch::kFloat32);
  const VivaModelConfig& model = pipeline.config();
  const int width = config.width > 0 ? config.width : model.width;
  const int height = config.height > 0 ? config.height : model.height;
  const int frames = config.frames > 0 ? config.frames : model.frames;
  const double guidance = config.guidance > 0 ? config.guidance : model.sampling.guidance;
  const double shift = config.shift > 0 ? config.shift : model.sampling.shift;
  const FlowSchedule schedule = FlowSchedule::shifted(static_cast<int>(config.sampling_steps), shift);

  const std::vector<GrpoPrompt> all_prompts = read_grpo_prompts(config.prompts, config.split);
  std::map<std::size_t, std::size_t> encoded_index;  // prompt -> its place in `prompts`
  std::vector<GrpoPrompt> used;
  for (int64_t s = 0; s < config.steps; ++s)
    for (std::size_t i : prompts_of_step(config, s, all_prompts.size()))
      if (encoded_index.emplace(i, used.size()).second) used.push_back(all_prompts[i]);
  const std::vector<EncodedPrompt> prompts = encode_prompts(pipeline, used, width, height, frames, options.progress);
  EditRewardModel rewards(config.rewards, device);

  HunyuanDit& dit = pipeline.transformer();
  dit->eval();  // no dropout; the LoRA is what trains
  torch::manual_seed(config.seed);  // the LoRA's Gaussian A: the same adapter for the same seed
  LoraAdapter lora(*dit, config.lora);
  lora.to(device);
  std::vector<torch::Tensor> parameters = lora.parameters();
  torch::optim::AdamW optimizer(parameters, adamw_options(config));

  fs::create_directories(config.out);
  const TrainCheckpoints checkpoints(config.out, config.keep_checkpoints);
  std::vector<std::pair<std::string, torch::Tensor>> no_ema;
  GrpoResult result;
  const TrainState resumed = checkpoints.start(options.resume, lora, optimizer, no_ema);
  result.start_step = resumed.step;
  JsonlLog log((fs::path(config.out) / "metrics.jsonl").string());
  log.write(options.resume ? "resume" : "start", {{"step", result.start_step}, {"prompts", all_prompts.size()}, {"encoded_prompts", prompts.size()},
                                                  {"lora_layers", lora.layers()}, {"config", config.to_json()}});
  TrainLoop loop("Edit-GRPO", config, resumed, options.stop_after, options.progress, log);

  int64_t step = result.start_step;
  bool first = true;
  while (loop.more(step)) {
    torch::Generator generator = at::detail::createCPUGenerator(step_seed(config.seed, step));
    const double lr = config.learning_rate(step);
    set_learning_rate(optimizer, lr);
    optimizer.zero_grad();
    std::vector<double> reward_means, reward_stds, instruction, preservation, pickscore, brightness;
    double policy_sum = 0, kl_sum = 0, clip_sum = 0, ratio_sum = 0, adv_abs_sum = 0;
    double sample_s = 0, decode_s = 0, reward_s = 0, objective_s = 0;  // where a step's time goes
    auto since = [](std::chrono::steady_clock::time_point t0) {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    int64_t trained = 0;
    const std::vector<std::size_t> picks = prompts_of_step(config, step, all_prompts.size());
    for (int64_t g = 0; g < config.prompts_per_step; ++g) {
      const EncodedPrompt& p = prompts[encoded_index.at(picks[static_cast<std::size_t>(g)])];
      const VelocityFn velocity = pipeline.guided_velocity(p.conditions, guidance, model.sampling.embedded_guidance);
      auto sampler = make_step(config.sampler, config.eta, generator);

      // 1. A group of G edits from the current policy, recorded step by step.
      std::vector<int64_t> shape = p.conditions.source.sizes().vec();
      shape[0] = config.group_size;
      const auto noise = torch::randn(shape, generator, torch::kFloat32).to(device);
      {
        torch::NoGradGuard no_grad;
        lora.refresh();
      }
      auto t0 = std::chrono::steady_clock::now();
      const Trajectories tr = sample_group(velocity, schedule, *sampler, noise);
      sample_s += since(t0);

      // 2. Rewards and advantages.
      t0 = std::chrono::steady_clock::now();
      const torch::Tensor videos = decode_group(pipeline.vae(), tr.states.back());
      decode_s += since(t0);
      t0 = std::chrono::steady_clock::now();
      const RewardBreakdown r = rewards.score(p.source_video, videos, p.prompt.source_caption, p.prompt.target_caption);
      reward_s += since(t0);
      t0 = std::chrono::steady_clock::now();
      const torch::Tensor advantages = group_advantages(r.total, config.advantage_clip).to(device);
      reward_means.push_back(r.total.mean().item<double>());
      reward_stds.push_back(r.total.std(false).item<double>());
      instruction.push_back(mean_of(r.instruction));
      preservation.push_back(mean_of(r.preservation));
      pickscore.push_back(mean_of(r.pickscore));
      brightness.push_back(mean_of(r.brightness));
      adv_abs_sum += advantages.abs().mean().item<double>();

      // 3. The objective on a random subset of the stochastic steps (the last, σ' = 0, never is).
      std::vector<int64_t> stochastic;
      for (int64_t k = 0; k < static_cast<int64_t>(tr.log_probs.size()); ++k)
        if (tr.log_probs[static_cast<std::size_t>(k)].defined()) stochastic.push_back(k);
      const auto order = torch::randperm(static_cast<int64_t>(stochastic.size()), generator, torch::kInt64);
      const int64_t chosen = std::max<int64_t>(
          1, static_cast<int64_t>(std::ceil(config.timestep_fraction * static_cast<double>(stochastic.size()))));
      const double weight = 1.0 / static_cast<double>(chosen * config.prompts_per_step);
      for (int64_t c = 0; c < chosen && c < static_cast<int64_t>(stochastic.size()); ++c) {
        const int64_t k = stochastic[static_cast<std::size_t>(order[c].item<int64_t>())];
        const auto& x = tr.states[static_cast<std::size_t>(k)];
        const auto& x_next = tr.states[static_cast<std::size_t>(k + 1)];
        const double sigma = schedule.sigmas[static_cast<std::size_t>(k)], sigma_next = schedule.sigmas[static_cast<std::size_t>(k + 1)];
        const auto t = torch::full({x.size(0)}, schedule.timestep(static_cast<int>(k)), x.options());
        torch::Tensor ref_mean;
        {
          torch::NoGradGuard no_grad;
          lora.set_strength(0.0);
          lora.refresh();
          ref_mean = sampler->transition(x, velocity(x, t), sigma, sigma_next).mean;
          lora.set_strength(1.0);
        }
        lora.refresh();
        const GaussianStep current = sampler->transition(x, velocity(x, t), sigma, sigma_next);
        const auto log_prob = gaussian_step_log_prob(current, x_next);
        const GrpoLoss loss = grpo_step_loss(log_prob, tr.log_probs[static_cast<std::size_t>(k)], advantages,
                                             current.mean, ref_mean, current.std, config.clip_range, config.kl_weight);
        (loss.loss * weight).backward();
        policy_sum += loss.policy_loss.item<double>();
        kl_sum += loss.kl.item<double>();
        clip_sum += loss.clip_fraction;
        ratio_sum += loss.ratio.mean().item<double>();
        ++trained;
      }
      objective_s += since(t0);
    }
    const double grad_norm = torch::nn::utils::clip_grad_norm_(parameters, config.max_grad_norm());
    optimizer.step();
    ++step;

    auto average = [](const std::vector<double>& v) {
      double s = 0;
      for (double x : v) s += x;
      return v.empty() ? NAN : s / static_cast<double>(v.size());
    };
    const double reward = average(reward_means), kl = kl_sum / static_cast<double>(std::max<int64_t>(1, trained));
    if (first) result.first_reward = reward;
    first = false;
    result.last_reward = reward;
    result.max_kl = std::max(result.max_kl, kl);
    nlohmann::json fields = {{"step", step}, {"reward", reward}, {"reward_std", average(reward_stds)},
                             {"advantage_abs_mean", adv_abs_sum / static_cast<double>(config.prompts_per_step)},
                             {"policy_loss", policy_sum / static_cast<double>(std::max<int64_t>(1, trained))},
                             {"kl", kl}, {"clip_fraction", clip_sum / static_cast<double>(std::max<int64_t>(1, trained))},
                             {"ratio_mean", ratio_sum / static_cast<double>(std::max<int64_t>(1, trained))},
                             {"trained_steps", trained}, {"lr", lr}, {"grad_norm", grad_norm},
                             {"sample_s", sample_s}, {"decode_s", decode_s}, {"reward_s", reward_s},
                             {"objective_s", objective_s},
                             {"elapsed_s", loop.elapsed_s()}};
    const std::pair<const char*, const std::vector<double>*> components[] = {
        {"reward_instruction", &instruction}, {"reward_preservation", &preservation},
        {"reward_pickscore", &pickscore}, {"reward_brightness", &brightness}};
    for (const auto& [name, values] : components)
      if (!std::isnan(average(*values))) fields[name] = average(*values);
    log.write("step", fields);
    const auto save = [&](double elapsed_s) {
      checkpoints.save(TrainState{step, config.to_json(), elapsed_s}, lora, optimizer, no_ema);
    };
    if (!loop.step_done(step, save)) break;
  }
  loop.finish();
  result.end_step = step;
  if (!loop.complete(step)) return result;

  write_image((fs::path(config.out) / "reward.png").string(),
              plot_series(logged_step_series(log.path(), "reward"), "Edit-GRPO mean group reward per step"));
  result.lora_path = (fs::path(config.out) / "lora.safetensors").string();
  lora.save(result.lora_path);
  log.write("finished", {{"step", step}, {"lora", result.lora_path}, {"reward", result.last_reward}});
  result.finished = true;
  return result;
}

}  // namespace viva
