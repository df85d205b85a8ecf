#include "viva/train/vae_trainer.h"

#include <filesystem>
#include <map>
#include <numeric>

#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/core/jsonl_log.h"
#include "viva/data/manifest.h"
#include "viva/io/video_frames.h"
#include "viva/io/video_reader.h"
#include "viva/models/vae/vae_checkpoint.h"
#include "viva/nn/media_tensors.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/viva_model_config.h"
#include "viva/train/model_output.h"
#include "viva/train/train_checkpoint.h"
#include "viva/train/train_loop.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

// The clips `indices` of `clips` grouped by shape (images and videos differ): a batch is one shape.
std::map<std::vector<int64_t>, std::vector<int>> group_by_shape(const std::vector<torch::Tensor>& clips,
                                                                const std::vector<int>& indices) {
  std::map<std::vector<int64_t>, std::vector<int>> groups;
  for (int i : indices) groups[clips[static_cast<std::size_t>(i)].sizes().vec()].push_back(i);
  return groups;
}

std::vector<int> all_indices(std::size_t n) {
  std::vector<int> out(n);
  std::iota(out.begin(), out.end(), 0);
  return out;
}

}  // namespace

VaeTrainConfig VaeTrainConfig::read(const std::string& path) { return from_json(load_json_file(path), path); }

VaeTrainConfig VaeTrainConfig::from_json(const nlohmann::json& json, const std::string& source) {
  VaeTrainConfig c;
  ConfigReader r(json, source);
  r.require("model", c.model);
  r.require("manifest", c.manifest);
  r.require("out", c.out);
  r.get("architecture", c.architecture);
  r.get("weights", c.weights);
  c.read_training_keys(r);
  r.get("kl_weight", c.kl_weight);
  r.get("decoder_only", c.decoder_only);
  r.get("reconstruction", c.reconstruction);
  r.get("width", c.width);
  r.get("height", c.height);
  r.get("frames", c.frames);
  r.get("sample_posterior", c.sample_posterior);
  r.get("batch", c.batch);
  r.get("crop", c.crop);
  r.get("crop_frames", c.crop_frames);
  r.get("split", c.split);
  r.get("max_clips", c.max_clips);
  r.get("heldout_split", c.heldout_split);
  r.get("heldout_clips", c.heldout_clips);
  r.finish();
  c.check_training_keys(source, 0);
  if (c.batch < 1) throw Error(source, "batch must be positive");
  if (!c.weights.empty() && !c.architecture.is_null())
    throw Error(source, "give either architecture (a fresh VAE) or weights (a trained one), not both");
  if (c.decoder_only && !c.architecture.is_null())
    throw Error(source, "decoder_only trains the decoder of a trained VAE; a fresh architecture has none to keep");
  if (c.crop < 0 || c.crop_frames < 1 || (c.crop_frames - 1) % 4 != 0)
    throw Error(source, "crop must be >= 0 (0: whole frames) and crop_frames of the form 4k+1");
  if (c.reconstruction != "mse" && c.reconstruction != "l1")
    throw Error(source, "reconstruction must be \"mse\" or \"l1\", not \"" + c.reconstruction + "\"");
  return c;
}

nlohmann::json VaeTrainConfig::to_json() const {
  nlohmann::json json = {
      {"model", model}, {"manifest", manifest}, {"out", out}, {"architecture", architecture}, {"weights", weights},
      {"kl_weight", kl_weight}, {"decoder_only", decoder_only}, {"reconstruction", reconstruction},
      {"width", width}, {"height", height}, {"frames", frames}, {"sample_posterior", sample_posterior},
      {"batch", batch}, {"crop", crop}, {"crop_frames", crop_frames}, {"split", split}, {"max_clips", max_clips},
      {"heldout_split", heldout_split}, {"heldout_clips", heldout_clips}};
  add_training_keys(json);
  return json;
}

VaeTrainResult train_vae(const VaeTrainConfig& config, bool resume, int64_t stop_after,
                         const ProgressOptions& progress_options) {
  torch::AutoGradMode grad_mode(true);  // trains even when the caller holds a NoGradGuard
  const torch::Device device = parse_device(config.device);
  check_device_dtype(device, torch::kFloat32);
  const VivaModelConfig model_config = VivaModelConfig::read(config.model);
  const std::string vae_folder = (fs::path(config.model) / model_config.vae).string();
  const bool fresh = !config.architecture.is_null();
  const std::string start_folder = config.weights.empty() ? vae_folder : config.weights;
  VaeOptions options = fresh ? VaeOptions::from_json(config.architecture, "architecture")
                             : VaeOptions::from_json(load_json_file(start_folder + "/config.json"), start_folder + "/config.json");
  torch::manual_seed(config.seed);
  CausalVae vae(options);
  if (!fresh) load_vae(vae, Checkpoint(start_folder));
  vae->tiling = false;  // trains and measures whole clips: encode_posterior and decode_untiled agree
  vae->to(device);
  vae->train();

  // Every source and target clip of the manifest, fitted to the working size, in memory.
  const Manifest manifest = read_manifest(config.manifest);
  const int width = config.width > 0 ? config.width : model_config.width;
  const int height = config.height > 0 ? config.height : model_config.height;
  const int frames = config.frames > 0 ? config.frames : model_config.frames;
  auto read_clips = [&](const std::string& split, int64_t limit) {
    std::vector<torch::Tensor> out;
    for_each_clip(manifest, split, [&](const ManifestRow& row, const std::string& path, const std::string&) {
      if (limit > 0 && static_cast<int64_t>(out.size()) >= limit) return;
      const VideoFrames video = read_video_for_model(path, width, height, row.kind == SampleKind::Image ? 1 : frames);
      out.push_back(video_to_tensor(video).unsqueeze(0).to(device));
    });
    return out;
  };
  const std::vector<torch::Tensor> clips = read_clips(config.split, config.max_clips);
  if (clips.empty()) throw file_error(config.manifest, "holds no clips to train the VAE on");

  std::vector<torch::Tensor> parameters = vae->parameters();
  if (config.decoder_only) {  // frozen encoder: its outputs need no graph either
    for (auto& p : vae->encoder->parameters()) p.set_requires_grad(false);
    for (auto& p : vae->quant_conv->parameters()) p.set_requires_grad(false);
    parameters = vae->decoder->parameters();
    for (const auto& p : vae->post_quant_conv->parameters()) parameters.push_back(p);
  }
  torch::optim::AdamW optimizer(parameters, adamw_options(config));
  fs::create_directories(config.out);
  const TrainCheckpoints checkpoints(config.out, config.keep_checkpoints);
  VaeTrainResult result;
  std::vector<std::pair<std::string, torch::Tensor>> no_ema;
  const TrainState resumed = checkpoints.start(resume, *vae, optimizer, no_ema);
  result.start_step = resumed.step;
  JsonlLog log((fs::path(config.out) / "metrics.jsonl").string());
  log.write(resume ? "resume" : "start", {{"step", result.start_step}, {"clips", clips.size()}, {"config", config.to_json()}});
  TrainLoop loop("training the VAE", config, resumed, stop_after, progress_options, log);

  const std::map<std::vector<int64_t>, std::vector<int>> groups = group_by_shape(clips, all_indices(clips.size()));

  int64_t step = result.start_step;
  bool first = true;
  while (loop.more(step)) {
    torch::Generator generator = at::detail::createCPUGenerator(step_seed(config.seed, step));
    const double lr = config.learning_rate(step);
    set_learning_rate(optimizer, lr);
    auto random_index = [&](std::size_t n) {
      return static_cast<std::size_t>(torch::randint(static_cast<int64_t>(n), {1}, generator, torch::kInt64).item<int64_t>());
    };
    // The first clip uniformly over all clips, the others from clips of its shape.
    const std::size_t pick = random_index(clips.size());
    std::vector<torch::Tensor> picked{clips[pick]};
    const std::vector<int>& group = groups.at(clips[pick].sizes().vec());
    while (static_cast<int>(picked.size()) < config.batch)
      picked.push_back(clips[static_cast<std::size_t>(group[random_index(group.size())])]);
    torch::Tensor x = torch::cat(picked, 0);
    // A random crop: `crop` pixels (a multiple of the spatial compression) and a 4k+1 window.
    auto offset = [&](int64_t size, int64_t window) {
      return size > window ? torch::randint(size - window + 1, {1}, generator, torch::kInt64).item<int64_t>() : 0;
    };
    if (config.crop > 0) {
      const int64_t c = config.crop - config.crop % options.spatial_compression;
      const int64_t ch = std::min<int64_t>(c, x.size(3)), cw = std::min<int64_t>(c, x.size(4));
      x = x.narrow(3, offset(x.size(3), ch), ch).narrow(4, offset(x.size(4), cw), cw);
    }
    if (x.size(2) > config.crop_frames) x = x.narrow(2, offset(x.size(2), config.crop_frames), config.crop_frames);
    optimizer.zero_grad();
    const VaePosterior posterior = vae->encode_posterior(x);
    const auto eps = torch::randn(posterior.mean.sizes(), generator, torch::kFloat32).to(device);
    const auto z = config.sample_posterior ? posterior.mean + torch::exp(0.5 * posterior.logvar) * eps : posterior.mean;
    const auto decoded = vae->decode_untiled(z);
    const auto mse = (decoded - x).pow(2).mean();
    const auto kl = 0.5 * (posterior.mean.pow(2) + posterior.logvar.exp() - 1 - posterior.logvar).mean();
    const auto reconstruction_loss = config.reconstruction == "l1" ? (decoded - x).abs().mean() : mse;
    const auto loss = reconstruction_loss + config.kl_weight * kl;  // (no gradient to the KL term when decoder_only)
    loss.backward();
    const double grad_norm = torch::nn::utils::clip_grad_norm_(parameters, config.max_grad_norm());
    optimizer.step();
    ++step;
    const double value = loss.item<double>();
    if (first) result.first_loss = value;
    first = false;
    result.last_loss = value;
    log.write("step", {{"step", step}, {"loss", value}, {"mse", mse.item<double>()}, {"kl", kl.item<double>()},
                       {"lr", lr}, {"grad_norm", grad_norm}});
    const auto save = [&](double elapsed_s) {
      checkpoints.save(TrainState{step, config.to_json(), elapsed_s}, *vae, optimizer, no_ema);
    };
    if (!loop.step_done(step, save)) break;
  }
  loop.finish();
  result.end_step = step;
  if (!loop.complete(step)) return result;

  // Scaling factor from the latent means; reconstruction PSNR from the means, as editing decodes.
  torch::NoGradGuard no_grad;
  vae->eval();
  // Reconstruction PSNR (in [0,1]) of each clip from its latent mean, in batches of one shape;
  // `means` collects the latent means when given.
  auto mean_psnr = [&](const std::vector<torch::Tensor>& xs, const std::vector<int>& indices,
                       std::vector<torch::Tensor>* means) {
    double sum = 0;
    for (const auto& entry : group_by_shape(xs, indices)) {
      const std::vector<int>& members = entry.second;
      for (std::size_t begin = 0; begin < members.size(); begin += 8) {
        std::vector<torch::Tensor> chunk;
        for (std::size_t k = begin; k < std::min(members.size(), begin + 8); ++k)
          chunk.push_back(xs[static_cast<std::size_t>(members[k])]);
        const torch::Tensor x = torch::cat(chunk, 0);
        const torch::Tensor mean = vae->encode_posterior(x).mean;
        if (means) means->push_back(mean.flatten());
        const torch::Tensor mse = (vae->decode_untiled(mean).clamp(-1, 1) - x).pow(2).flatten(1).mean(1) / 4.0;
        sum += (10.0 * torch::log10(1.0 / mse.clamp_min(1e-12))).sum().item<double>();
      }
    }
    return indices.empty() ? 0.0 : sum / static_cast<double>(indices.size());
  };
  // Up to 256 clips, evenly spaced: enough for a std and a mean PSNR, and minutes less at the end.
  std::vector<torch::Tensor> means;  // for the scaling factor, which decoder_only keeps
  result.psnr_db = mean_psnr(clips, evenly_spaced_indices(static_cast<int>(clips.size()), 256),
                             config.decoder_only ? nullptr : &means);
  if (!config.heldout_split.empty() && config.heldout_clips > 0) {
    const std::vector<torch::Tensor> heldout = read_clips(config.heldout_split, config.heldout_clips);
    result.heldout_clips = static_cast<int64_t>(heldout.size());
    result.heldout_psnr_db = mean_psnr(heldout, all_indices(heldout.size()), nullptr);
  }
  if (!config.decoder_only) options.scaling_factor = 1.0 / std::max(torch::cat(means).std().item<double>(), 1e-6);
  result.scaling_factor = options.scaling_factor;
  const std::string weights = (fs::path(config.out) / "vae.safetensors").string();
  save_parameters(*vae, weights);
  result.model_folder = (fs::path(config.out) / "model").string();
  write_model_with_component(config.model, model_config.vae, weights, result.model_folder, options.to_json());
  fs::remove(weights);
  log.write("finished", {{"step", step}, {"psnr_db", result.psnr_db}, {"heldout_psnr_db", result.heldout_psnr_db},
                         {"heldout_clips", result.heldout_clips}, {"scaling_factor", result.scaling_factor}});
  result.finished = true;
  return result;
}

}  // namespace viva
