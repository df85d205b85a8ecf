#include "viva/train/sft_trainer.h"

#include <algorithm>
#include <filesystem>

#include "viva/core/compat.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/core/safetensors.h"
#include "viva/diffusion/flow_schedule.h"
#include "viva/io/image.h"
#include "viva/io/line_plot.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/viva_pipeline.h"
#include "viva/train/batch_sampler.h"
#include "viva/train/data_parallel.h"
#include "viva/train/fully_sharded.h"
#include "viva/train/sample_groups.h"
#include "viva/train/trainer.h"

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

// The flow-matching loss of one micro-batch (viva.md §2): σ = shift(sigmoid(n)),
// x_σ = σ·noise + (1 − σ)·x0, mean of (1 + w_m·M)·(v − (noise − x0))².
struct FlowLoss {
  torch::Tensor loss, sigma;
};

FlowLoss flow_matching_loss(VivaPipeline& pipeline, const Batch& b, const SftConfig& config, double shift,
                            torch::Generator& generator, torch::Device device, bool autocast) {
  const auto sigma =
      sample_training_sigmas(b.x0.size(0), shift, config.high_noise_fraction, config.high_noise_shift, generator)
          .to(device);
  const auto noise = torch::randn(b.x0.sizes(), generator, torch::kFloat32).to(device);
  const auto x = noised_latent(b.x0, noise, sigma);
  const compat::AutocastGuard mixed_precision(device.type(), torch::kBFloat16, autocast);
  const auto v = pipeline.velocity(x, sigma * 1000.0, b.source, b.reference, b.tokens, b.token_mask, b.pooled,
                                   pipeline.config().sampling.embedded_guidance);
  return {masked_flow_loss(v, noise, b.x0, b.mask, config.mask_weight), sigma};
}

}  // namespace

torch::Tensor masked_flow_loss(const torch::Tensor& v, const torch::Tensor& noise, const torch::Tensor& x0,
                               const torch::Tensor& mask, double mask_weight) {
  const auto weight = 1.0 + mask_weight * mask;  // [B, 1, T, H, W] broadcast over channels
  return (weight * (v - (noise - x0)).pow(2)).mean();
}

TrainResult train_sft(const SftConfig& config, const TrainRunOptions& run) {
  const torch::Device device = parse_device(config.device);
  // Master weights, optimizer state and the loss stay float32; bf16 means autocast, on the
  // CPU too (slower there than fp32, but the GPU's mixed-precision path, tested).
  const bool autocast = config.autocast("viva train sft");

  PipelineParts parts = PipelineParts::transformer_only();
  parts.text_to_video = true;  // the same loss pretrains a text-to-video DiT on a caption cache
  VivaPipeline pipeline(config.model, device, torch::kFloat32, parts);
  HunyuanDit& dit = pipeline.transformer();
  dit->train();
  dit->activation_checkpointing = config.activation_checkpointing;
  // Sequence parallel: groups of S consecutive ranks share each sample, the DiT splitting its
  // tokens over the group; the reduction sums each group's parts of its gradient.
  const int S = static_cast<int>(config.sequence_parallel);
  SampleGroups groups;
  if (S > 1) {
    groups = sample_groups(run.group, S, "viva train sft");
    dit->split_sequence(groups.split);
  }
  // Fully sharded: the shards train, and they take over from data parallelism's reducer (as a
  // reducer of sample groups does with sequence parallelism).
  std::unique_ptr<FullySharded> sharded;
  std::unique_ptr<DataParallel> group_reducer;
  TrainRunOptions run_options = run;
  if (config.sharding == "full") {
    sharded = std::make_unique<FullySharded>(dit, run.group, S);
    if (autocast) sharded->gather_matrices_in(torch::kBFloat16);  // half the bytes, the same values
    run_options.reducer = sharded.get();
  } else if (S > 1) {
    group_reducer = std::make_unique<DataParallel>(*run.group, S);
    run_options.reducer = group_reducer.get();
  }
  // Data parallel (not sharded): each bucket's all-reduce starts during the last backward.
  if (run_options.reducer && !sharded)
    run_options.reducer->overlap_with_backward(dit->parameters(), static_cast<int64_t>(config.reduce_bucket_mb * 1e6));
  Trainer trainer("training", config, config.to_json(), config.out, run_options);
  const ConditionCache cache(config.cache);
  if (cache.size() > 0 && dit->options.context_projector != cache.load(0).source.defined())
    throw Error(config.cache, dit->options.context_projector
                                  ? "holds text-to-video samples (no source latents) but " + config.model + " is a VIVA editor"
                                  : "holds edit pairs but " + config.model + " has a text-to-video transformer");
  const BatchSampler sampler(cache, config.video_probability, config.task_weights);
  const double shift = config.shift.value_or(pipeline.config().sampling.shift);

  if (config.ema > 0) trainer.keep_ema(config.ema);
  torch::nn::Module& trained = sharded ? static_cast<torch::nn::Module&>(*sharded) : *dit;
  trainer.start(trained, sharded ? sharded->parameters_to_train() : dit->parameters(), adamw_options(config).betas({config.beta1, config.beta2}).eps(config.eps),
                {{"samples", cache.size()}, {"video_samples", sampler.video_samples()},
                 {"image_samples", sampler.image_samples()}});
  const bool complete = trainer.run(config.grad_accum, [&](MicroStep& m) {
    const auto indices = sampler.draw(config.batch_size, m.generator);
    m.figures.count("video_batches", cache.kind(indices.front()) == SampleKind::Video);
    m.figures.set("batch_size", config.batch_size);
    const Batch b = assemble(cache, indices, config.instruction_dropout, m.generator, device);
    const FlowLoss l = flow_matching_loss(pipeline, b, config, shift, m.generator, device, autocast);
    m.backward(l.loss);
    m.figures.mean("loss", l.loss.item<double>());
    m.figures.mean("sigma_mean", l.sigma.mean().item<double>());
  });
  if (!complete) return trainer.result();
  if (sharded) sharded->unshard();  // every rank: the full weights back in the DiT
  const std::string model_folder = (fs::path(config.out) / "model").string();
  if (!trainer.writes()) return trainer.finish(model_folder);  // rank 0 writes the outputs

  const std::vector<double> losses = logged_step_series(trainer.log().path(), "loss");
  write_image((fs::path(config.out) / "loss.png").string(), plot_series(losses, "SFT loss per step"));
  // The trained transformer (its EMA when on) inside a copy of the base model folder.
  pipeline.model().write_with_component(ModelComponent::Transformer, model_folder, [&](const std::string& weights) {
    if (trainer.ema().empty()) {
      save_parameters(*dit, weights);
      return;
    }
    std::vector<NamedTensor> tensors;
    for (const auto& [name, t] : trainer.ema()) tensors.push_back({name, t.to(torch::kCPU)});
    save_safetensors(weights, tensors);
  });
  return trainer.finish(model_folder);
}

}  // namespace viva
