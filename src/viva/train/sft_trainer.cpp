#include "viva/train/sft_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "viva/core/atomic_file.h"
#include "viva/core/compat.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/core/jsonl_log.h"
#include "viva/core/safetensors.h"
#include "viva/diffusion/flow_schedule.h"
#include "viva/io/image.h"
#include "viva/io/line_plot.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/viva_pipeline.h"
#include "viva/train/batch_sampler.h"
#include "viva/train/model_output.h"
#include "viva/train/train_checkpoint.h"
#include "viva/train/train_loop.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

struct Batch {
  torch::Tensor x0, source, reference, mask, tokens, token_mask, pooled;
};

Batch assemble(const ConditionCache& cache, const std::vector<int64_t>& indices, double dropout, torch::Generator& g,
               torch::Device device) {
  std::vector<CachedSample> samples;
  for (int64_t i : indices) samples.push_back(cache.load(i));
  std::vector<torch::Tensor> x0, source, reference, mask, tokens, pooled;
  int64_t longest = 0;
  for (CachedSample& s : samples) {
    const bool drop = torch::rand({1}, g).item<double>() < dropout;
    tokens.push_back(drop ? s.uncond_tokens : s.tokens);
    pooled.push_back(drop ? s.uncond_pooled : s.pooled);
    longest = std::max(longest, tokens.back().size(0));
    x0.push_back(s.target);
    if (s.source.defined()) source.push_back(s.source);
    mask.push_back(s.mask);
    if (s.reference.defined()) reference.push_back(s.reference);
  }
  Batch b;
  std::vector<torch::Tensor> padded, valid;
  for (const auto& t : tokens) {
    const int64_t n = t.size(0);
    padded.push_back(torch::cat({t, torch::zeros({longest - n, t.size(1)}, t.options())}, 0));
    valid.push_back(torch::cat({torch::ones({n}, torch::kInt64), torch::zeros({longest - n}, torch::kInt64)}));
  }
  b.x0 = torch::stack(x0).to(device, torch::kFloat32);
  if (source.size() == samples.size()) b.source = torch::stack(source).to(device, torch::kFloat32);
  else if (!source.empty()) throw Error("SFT batch", "mixes edit pairs with text-to-video samples");
  if (!reference.empty()) b.reference = torch::stack(reference).to(device, torch::kFloat32);
  b.mask = torch::stack(mask).to(device, torch::kFloat32);
  b.tokens = torch::stack(padded).to(device, torch::kFloat32);
  b.token_mask = torch::stack(valid).to(device);
  b.pooled = torch::stack(pooled).to(device, torch::kFloat32);
  return b;
}

}  // namespace

double ema_decay(double decay, int64_t step) {
  return std::min(decay, static_cast<double>(1 + step) / static_cast<double>(10 + step));
}

SftResult train_sft(const SftConfig& config, const SftRunOptions& options) {
  torch::AutoGradMode grad_mode(true);  // trains even when the caller holds a NoGradGuard
  const torch::Device device = parse_device(config.device);
  const torch::ScalarType dtype = parse_compute_dtype(config.dtype);
  check_device_dtype(device, dtype);
  // Master weights, optimizer state and the loss stay float32; bf16 means autocast on CUDA.
  const bool autocast = dtype == torch::kBFloat16;
  if (dtype == torch::kFloat16 || (autocast && !device.is_cuda()))
    throw Error("viva train sft", "dtype must be fp32, or bf16 on CUDA (autocast); CPU trains in fp32");

  PipelineParts parts = PipelineParts::transformer_only();
  parts.text_to_video = true;  // the same loss pretrains a text-to-video DiT on a caption cache
  VivaPipeline pipeline(config.model, device, torch::kFloat32, parts);
  HunyuanDit& dit = pipeline.transformer();
  dit->train();
  dit->activation_checkpointing = config.activation_checkpointing;
  const ConditionCache cache(config.cache);
  if (cache.size() > 0 && dit->options.context_projector != cache.load(0).source.defined())
    throw Error(config.cache, dit->options.context_projector
                                  ? "holds text-to-video samples (no source latents) but " + config.model + " is a VIVA editor"
                                  : "holds edit pairs but " + config.model + " has a text-to-video transformer");
  const BatchSampler sampler(cache, config.video_probability, config.task_weights);
  const double shift = config.shift > 0 ? config.shift : pipeline.config().sampling.shift;
  const double embedded_guidance = pipeline.config().sampling.embedded_guidance;

  std::vector<torch::Tensor> parameters = dit->parameters();
  torch::optim::AdamW optimizer(parameters, adamw_options(config).betas({config.beta1, config.beta2}).eps(config.eps));
  std::vector<std::pair<std::string, torch::Tensor>> ema;
  if (config.ema > 0)
    for (const auto& p : dit->named_parameters()) ema.push_back({p.key(), p.value().detach().clone()});

  fs::create_directories(config.out);
  const TrainCheckpoints checkpoints(config.out, config.keep_checkpoints);
  SftResult result;
  const TrainState resumed = checkpoints.start(options.resume, *dit, optimizer, ema);
  result.start_step = resumed.step;

  LocalGradients local;
  GradientReducer& reducer = options.reducer ? *options.reducer : local;
  JsonlLog log((fs::path(config.out) / "metrics.jsonl").string());
  log.write(options.resume ? "resume" : "start",
            {{"step", result.start_step}, {"samples", cache.size()}, {"video_samples", sampler.video_samples()},
             {"image_samples", sampler.image_samples()}, {"config", config.to_json()}});
  TrainLoop loop("training", config, resumed, options.stop_after, options.progress, log);

  int64_t step = result.start_step;
  bool first = true;
  while (loop.more(step)) {
    torch::Generator generator = at::detail::createCPUGenerator(step_seed(config.seed, step));
    const double lr = config.learning_rate(step);
    set_learning_rate(optimizer, lr);
    optimizer.zero_grad();
    double loss_sum = 0, sigma_sum = 0;
    int64_t video_batches = 0;
    for (int64_t micro = 0; micro < config.grad_accum; ++micro) {
      const auto indices = sampler.draw(config.batch_size, generator);
      video_batches += cache.kind(indices.front()) == SampleKind::Video;
      const Batch b = assemble(cache, indices, config.instruction_dropout, generator, device);
      const auto sigma =
          sample_training_sigmas(b.x0.size(0), shift, config.high_noise_fraction, config.high_noise_shift, generator)
              .to(device);
      const auto noise = torch::randn(b.x0.sizes(), generator, torch::kFloat32).to(device);
      const auto x = noised_latent(b.x0, noise, sigma);
      const compat::AutocastGuard mixed_precision(device.type(), torch::kBFloat16, autocast);
      const auto v = pipeline.velocity(x, sigma * 1000.0, b.source, b.reference, b.tokens, b.token_mask, b.pooled,
                                       embedded_guidance);
      const auto weight = 1.0 + config.mask_weight * b.mask;  // [B, 1, T, H, W] broadcast over channels
      const auto loss = (weight * (v - (noise - b.x0)).pow(2)).mean();
      (loss / static_cast<double>(config.grad_accum)).backward();
      loss_sum += loss.item<double>();
      sigma_sum += sigma.mean().item<double>();
    }
    std::vector<torch::Tensor> grads;
    for (const auto& p : parameters)
      if (p.grad().defined()) grads.push_back(p.grad());
    reducer.reduce(grads);
    const double grad_norm = torch::nn::utils::clip_grad_norm_(parameters, config.max_grad_norm());
    optimizer.step();
    if (!ema.empty()) {
      torch::NoGradGuard no_grad;
      const double decay = ema_decay(config.ema, step + 1);
      std::size_t i = 0;
      for (const auto& p : dit->parameters()) ema[i++].second.mul_(decay).add_(p.detach(), 1.0 - decay);
    }
    ++step;
    const double loss = loss_sum / static_cast<double>(config.grad_accum);
    if (first) result.first_loss = loss;
    first = false;
    result.last_loss = loss;
    log.write("step", {{"step", step}, {"loss", loss}, {"lr", lr}, {"grad_norm", grad_norm},
                       {"sigma_mean", sigma_sum / static_cast<double>(config.grad_accum)},
                       {"video_batches", video_batches}, {"batch_size", config.batch_size},
                       {"elapsed_s", loop.elapsed_s()}});
    const auto save = [&](double elapsed_s) {
      checkpoints.save(TrainState{step, config.to_json(), elapsed_s}, *dit, optimizer, ema);
    };
    if (!loop.step_done(step, save)) break;
  }
  loop.finish();
  result.end_step = step;
  if (!loop.complete(step)) return result;

  const std::vector<double> losses = logged_step_series(log.path(), "loss");
  write_image((fs::path(config.out) / "loss.png").string(), plot_series(losses, "SFT loss per step"));
  // The trained transformer (its EMA when on) inside a copy of the base model folder.
  const std::string weights = (fs::path(config.out) / "transformer.safetensors").string();
  if (!ema.empty()) {
    std::vector<NamedTensor> tensors;
    for (const auto& [name, t] : ema) tensors.push_back({name, t.to(torch::kCPU)});
    save_safetensors(weights, tensors);
  } else {
    save_parameters(*dit, weights);
  }
  result.model_folder = (fs::path(config.out) / "model").string();
  write_model_with_component(config.model, pipeline.config().transformer, weights, result.model_folder);
  fs::remove(weights);
  log.write("finished", {{"step", step}, {"model", result.model_folder}, {"loss", result.last_loss}});
  result.finished = true;
  return result;
}

}  // namespace viva
