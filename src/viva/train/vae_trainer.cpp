#include "viva/train/vae_trainer.h"

#include <filesystem>
#include <map>
#include <numeric>

#include "viva/core/config.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/data/manifest.h"
#include "viva/io/video_frames.h"
#include "viva/io/video_reader.h"
#include "viva/nn/media_tensors.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/model_folder.h"

namespace viva {
namespace fs = std::filesystem;

VaeTrainConfig VaeTrainConfig::read(const std::string& path) { return from_json(load_json_file(path), path); }

VaeTrainConfig VaeTrainConfig::from_json(const nlohmann::json& json, const std::string& source, ConfigPaths paths) {
  VaeTrainConfig c;
  ConfigReader r(json, source);
  if (paths == ConfigPaths::InFile) {
    r.require("model", c.model);
    r.require("manifest", c.manifest);
    r.require("out", c.out);
  }
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
      {"width", json_or_null(width)}, {"height", json_or_null(height)}, {"frames", json_or_null(frames)}, {"sample_posterior", sample_posterior},
      {"batch", batch}, {"crop", crop}, {"crop_frames", crop_frames}, {"split", split}, {"max_clips", max_clips},
      {"heldout_split", heldout_split}, {"heldout_clips", heldout_clips}};
  add_training_keys(json);
  return json;
}

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

// A batch of `config.batch` clips of one shape: the first uniformly over all clips, the others
// from the clips of its shape; then a random crop of `crop` pixels (a multiple of the spatial
// compression) and a window of crop_frames frames.
torch::Tensor draw_batch(const std::vector<torch::Tensor>& clips, const std::map<std::vector<int64_t>, std::vector<int>>& groups,
                         const VaeTrainConfig& config, int64_t spatial_compression, torch::Generator& generator) {
  auto random_index = [&](std::size_t n) {
    return static_cast<std::size_t>(torch::randint(static_cast<int64_t>(n), {1}, generator, torch::kInt64).item<int64_t>());
  };
  const std::size_t pick = random_index(clips.size());
  std::vector<torch::Tensor> picked{clips[pick]};
  const std::vector<int>& group = groups.at(clips[pick].sizes().vec());
  while (static_cast<int>(picked.size()) < config.batch)
    picked.push_back(clips[static_cast<std::size_t>(group[random_index(group.size())])]);
  torch::Tensor x = torch::cat(picked, 0);
  auto offset = [&](int64_t size, int64_t window) {
    return size > window ? torch::randint(size - window + 1, {1}, generator, torch::kInt64).item<int64_t>() : 0;
  };
  if (config.crop > 0) {
    const int64_t c = config.crop - config.crop % spatial_compression;
    const int64_t ch = std::min<int64_t>(c, x.size(3)), cw = std::min<int64_t>(c, x.size(4));
    x = x.narrow(3, offset(x.size(3), ch), ch).narrow(4, offset(x.size(4), cw), cw);
  }
  if (x.size(2) > config.crop_frames) x = x.narrow(2, offset(x.size(2), config.crop_frames), config.crop_frames);
  return x;
}

// The VAE objective: reconstruction (MSE or L1) of the posterior mean, or of a sample of it,
// plus kl_weight times the KL divergence to N(0, I).
struct VaeLoss {
  torch::Tensor loss, mse, kl;
};

VaeLoss vae_loss(CausalVae& vae, const torch::Tensor& x, const VaeTrainConfig& config, torch::Generator& generator) {
  const VaePosterior posterior = vae->encode_posterior(x);
  const auto eps = torch::randn(posterior.mean.sizes(), generator, torch::kFloat32).to(x.device());
  const auto z = config.sample_posterior ? posterior.mean + torch::exp(0.5 * posterior.logvar) * eps : posterior.mean;
  const auto decoded = vae->decode_untiled(z);
  VaeLoss l;
  l.mse = (decoded - x).pow(2).mean();
  l.kl = 0.5 * (posterior.mean.pow(2) + posterior.logvar.exp() - 1 - posterior.logvar).mean();
  const auto reconstruction = config.reconstruction == "l1" ? (decoded - x).abs().mean() : l.mse;
  l.loss = reconstruction + config.kl_weight * l.kl;  // (no gradient to the KL term when decoder_only)
  return l;
}

// Reconstruction PSNR (in [0,1]) of each clip from its latent mean, in batches of one shape;
// `means` collects the latent means when given.
double mean_psnr(CausalVae& vae, const std::vector<torch::Tensor>& xs, const std::vector<int>& indices,
                 std::vector<torch::Tensor>* means) {
  torch::NoGradGuard no_grad;
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
}

}  // namespace

TrainResult train_vae(const VaeTrainConfig& config, const TrainRunOptions& run) {
  Trainer trainer("training the VAE", config, config.to_json(), config.out, run);
  const torch::Device device = parse_device(config.device);
  check_device_dtype(device, torch::kFloat32);
  const ModelFolder model(config.model);
  const bool fresh = !config.architecture.is_null();
  CausalVae vae(nullptr);
  torch::manual_seed(config.seed);
  if (fresh) {
    vae = CausalVae(VaeOptions::from_json(config.architecture, "architecture"));
  } else {
    vae = config.weights.empty() ? model.load_vae(torch::kCPU, torch::kFloat32)
                                 : load_vae_folder(config.weights, torch::kCPU, torch::kFloat32);
  }
  VaeOptions options = vae->options;
  vae->tiling = false;  // trains and measures whole clips: encode_posterior and decode_untiled agree
  vae->to(device);
  vae->train();

  // Every source and target clip of the manifest, fitted to the working size, in memory.
  const Manifest manifest = read_manifest(config.manifest);
  const int width = config.width.value_or(model.config().width);
  const int height = config.height.value_or(model.config().height);
  const int frames = config.frames.value_or(model.config().frames);
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
  trainer.start(*vae, parameters, adamw_options(config), {{"clips", clips.size()}});
  const std::map<std::vector<int64_t>, std::vector<int>> groups = group_by_shape(clips, all_indices(clips.size()));
  const bool complete = trainer.run(1, [&](MicroStep& m) {
    const torch::Tensor x = draw_batch(clips, groups, config, options.spatial_compression, m.generator);
    const VaeLoss l = vae_loss(vae, x, config, m.generator);
    m.backward(l.loss);
    m.figures.mean("loss", l.loss.item<double>());
    m.figures.mean("mse", l.mse.item<double>());
    m.figures.mean("kl", l.kl.item<double>());
  });
  if (!complete) return trainer.result();

  // Scaling factor from the latent means; reconstruction PSNR from the means, as editing decodes.
  vae->eval();
  nlohmann::json report;
  // Up to 256 clips, evenly spaced: enough for a std and a mean PSNR, and minutes less at the end.
  std::vector<torch::Tensor> means;  // for the scaling factor, which decoder_only keeps
  report["psnr_db"] = mean_psnr(vae, clips, evenly_spaced_indices(static_cast<int>(clips.size()), 256),
                                config.decoder_only ? nullptr : &means);
  std::vector<torch::Tensor> heldout;
  if (!config.heldout_split.empty() && config.heldout_clips > 0) heldout = read_clips(config.heldout_split, config.heldout_clips);
  report["heldout_clips"] = heldout.size();
  report["heldout_psnr_db"] = heldout.empty() ? 0.0 : mean_psnr(vae, heldout, all_indices(heldout.size()), nullptr);
  if (!config.decoder_only) {
    torch::NoGradGuard no_grad;
    options.scaling_factor = 1.0 / std::max(torch::cat(means).std().item<double>(), 1e-6);
  }
  report["scaling_factor"] = options.scaling_factor;
  const std::string model_folder = (fs::path(config.out) / "model").string();
  model.write_with_component(
      ModelComponent::Vae, model_folder, [&](const std::string& weights) { save_parameters(*vae, weights); },
      options.to_json());
  return trainer.finish(model_folder, report);
}

}  // namespace viva
