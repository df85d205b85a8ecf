#include "viva/train/clip_trainer.h"

#include <cmath>
#include <filesystem>

#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/data/manifest.h"
#include "viva/io/video_reader.h"
#include "viva/models/clip/clip_checkpoint.h"
#include "viva/models/clip/clip_image_processor.h"
#include "viva/nn/media_tensors.h"
#include "viva/rewards/clip_scorer.h"
#include "viva/tokenizers/clip_tokenizer.h"

namespace viva {
namespace fs = std::filesystem;

ClipTrainConfig ClipTrainConfig::read(const std::string& path) { return from_json(load_json_file(path), path); }

ClipTrainConfig ClipTrainConfig::from_json(const nlohmann::json& json, const std::string& source, ConfigPaths paths) {
  ClipTrainConfig c;
  ConfigReader r(json, source);
  if (paths == ConfigPaths::InFile) {
    r.require("manifest", c.manifest);
    r.require("out", c.out);
    r.get("init", c.init);
    r.get("merges", c.merges);
  }
  r.get("architecture", c.architecture);
  r.get("objective", c.objective);
  c.read_training_keys(r);
  r.get("batch_size", c.batch_size);
  r.get("frames_per_clip", c.frames_per_clip);
  r.finish();
  if (c.objective != "contrastive" && c.objective != "preference")
    throw Error(source, "objective must be \"contrastive\" or \"preference\", not \"" + c.objective + "\"");
  c.check_training_keys(source);
  if (c.batch_size < 2 || c.frames_per_clip < 1) throw Error(source, "frames_per_clip must be positive and batch_size >= 2");
  if (paths == ConfigPaths::InFile && c.init.empty() && c.merges.empty()) throw Error(source, "a fresh CLIP (no \"init\") needs the tokenizer's \"merges\" file");
  return c;
}

nlohmann::json ClipTrainConfig::to_json() const {
  nlohmann::json json = {{"manifest", manifest}, {"out", out}, {"init", init}, {"architecture", architecture},
                         {"merges", merges}, {"objective", objective}, {"batch_size", batch_size},
                         {"frames_per_clip", frames_per_clip}};
  add_training_keys(json);
  return json;
}

namespace {

struct CaptionedClip {
  torch::Tensor frames;  // [F, 3, S, S], CLIP-normalised
  torch::Tensor ids;     // [L] caption tokens
  std::string caption;
};

std::vector<CaptionedClip> load_clips(const Manifest& manifest, const std::string& split, int64_t frames_per_clip,
                                      int64_t image_size, int64_t context, const ClipTokenizer& tokenizer) {
  std::vector<CaptionedClip> clips;
  for_each_clip(manifest, split, [&](const ManifestRow&, const std::string& path, const std::string& caption) {
    if (caption.empty()) return;
    const torch::Tensor video = video_to_tensor(read_video(path));  // [3, T, H, W]
    std::vector<torch::Tensor> frames;
    for (int t : evenly_spaced_indices(static_cast<int>(video.size(1)), static_cast<int>(frames_per_clip)))
      frames.push_back(clip_preprocess(video.select(1, t), image_size));
    const auto ids = tokenizer.encode_row(caption, static_cast<int>(context), tokenizer.end_id());
    clips.push_back({torch::stack(frames), torch::tensor(ids, torch::kInt64), caption});
  });
  return clips;
}

torch::Tensor normalized(const torch::Tensor& x) { return x / x.norm(2, -1, true); }

// A degraded copy of each image [B, 3, S, S] (CLIP-normalised): blur, noise, pixelation or a
// colour cast, one drawn per image — the "worse" side of the preference pairs.
torch::Tensor degrade(const torch::Tensor& images, torch::Generator& g) {
  namespace F = torch::nn::functional;
  const int64_t b = images.size(0), s = images.size(2);
  const auto blur = F::avg_pool2d(F::avg_pool2d(images, F::AvgPool2dFuncOptions(3).stride(1).padding(1)),
                                  F::AvgPool2dFuncOptions(3).stride(1).padding(1));
  const auto noise = images + 0.6 * torch::randn(images.sizes(), g, torch::kFloat32).to(images.device());
  const int64_t cell = std::max<int64_t>(2, s / 8);
  const auto pixelated =
      F::interpolate(F::avg_pool2d(images, F::AvgPool2dFuncOptions(cell)),
                     F::InterpolateFuncOptions().size(std::vector<int64_t>{s, s}).mode(torch::kNearest));
  // A cast of 0.5..1.2 (normalised units) per channel, either sign: never too faint to see.
  const auto magnitude = 0.5 + 0.7 * torch::rand({b, 3, 1, 1}, g, torch::kFloat32);
  const auto sign = torch::randint(2, {b, 3, 1, 1}, g, torch::kInt64).to(torch::kFloat32) * 2 - 1;
  const auto cast = images + (magnitude * sign).to(images.device());
  const auto kind = torch::randint(4, {b}, g, torch::kInt64).to(images.device()).view({b, 1, 1, 1});
  return torch::where(kind == 0, blur, torch::where(kind == 1, noise, torch::where(kind == 2, pixelated, cast)));
}

// Retrieval: each held-out caption picks the clip whose embedding matches it best; correct when
// that clip carries the same caption (captions may repeat).
double retrieval_accuracy(ClipModel& model, const std::vector<CaptionedClip>& clips, torch::Device device) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> images, texts;
  for (const auto& c : clips) {
    images.push_back(normalized(normalized(model->image_embeds(c.frames.to(device))).mean(0)));
    texts.push_back(c.ids);
  }
  const auto text = normalized(model->text_embeds(torch::stack(texts).to(device)));
  const auto best = torch::matmul(text, torch::stack(images).t()).argmax(1).cpu();
  int64_t correct = 0;
  for (std::size_t i = 0; i < clips.size(); ++i)
    correct += clips[static_cast<std::size_t>(best[static_cast<int64_t>(i)].item<int64_t>())].caption == clips[i].caption;
  return static_cast<double>(correct) / static_cast<double>(clips.size());
}

double preference_accuracy(ClipModel& model, const std::vector<CaptionedClip>& clips, torch::Device device, uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::Generator g = at::detail::createCPUGenerator(seed);
  int64_t correct = 0, total = 0;
  for (const auto& c : clips) {
    const auto clean = c.frames.to(device);
    const auto worse = degrade(clean, g);
    const auto text = normalized(model->text_embeds(c.ids.unsqueeze(0).to(device)));
    const auto sc = (normalized(model->image_embeds(clean)) * text).sum(-1);
    const auto sd = (normalized(model->image_embeds(worse)) * text).sum(-1);
    correct += (sc > sd).sum().item<int64_t>();
    total += sc.size(0);
  }
  return static_cast<double>(correct) / static_cast<double>(std::max<int64_t>(1, total));
}


// CLIP's symmetric InfoNCE over the batch's (frame, caption) pairs.
torch::Tensor contrastive_loss(const torch::Tensor& image, const torch::Tensor& text, const torch::Tensor& scale) {
  const auto logits = scale * torch::matmul(image, text.t());
  const auto labels = torch::arange(image.size(0), torch::TensorOptions().dtype(torch::kInt64).device(image.device()));
  return 0.5 * (torch::nn::functional::cross_entropy(logits, labels) +
                torch::nn::functional::cross_entropy(logits.t(), labels));
}

// PickScore's: cross-entropy over {clean, degraded} with the clean one preferred,
// softplus(s_d − s_c).
torch::Tensor preference_loss(const torch::Tensor& image, const torch::Tensor& worse, const torch::Tensor& text,
                              const torch::Tensor& scale) {
  return torch::nn::functional::softplus(scale * ((worse - image) * text).sum(-1)).mean();
}

}  // namespace

TrainResult train_clip(const ClipTrainConfig& config, const TrainRunOptions& run) {
  Trainer trainer("training CLIP (" + config.objective + ")", config, config.to_json(), config.out, run);
  const torch::Device device = parse_device(config.device);
  check_device_dtype(device, torch::kFloat32);
  ClipOptions options = ClipOptions::tiny();
  std::string merges = config.merges;
  if (!config.init.empty()) {
    const std::string where = (fs::path(config.init) / "config.json").string();
    options = ClipOptions::from_hf_config(load_json_file(where), where);
    if (merges.empty()) merges = find_clip_merges(config.init);
    if (merges.empty()) throw file_error(config.init, "holds no CLIP tokenizer (merges.txt or bpe_simple_vocab_16e6.txt.gz)");
  } else if (!config.architecture.is_null()) {
    options = ClipOptions::from_hf_config(config.architecture, config.manifest);
  }
  torch::manual_seed(config.seed);
  ClipModel model(options);
  if (!config.init.empty()) load_clip(model, Checkpoint(config.init));
  model->to(device);
  model->train();
  const ClipTokenizer tokenizer = ClipTokenizer::from_file(merges);

  const Manifest manifest = read_manifest(config.manifest);
  const int64_t size = options.vision.image_size, context = options.text.max_positions;
  const std::vector<CaptionedClip> train = load_clips(manifest, "train", config.frames_per_clip, size, context, tokenizer);
  if (static_cast<int64_t>(train.size()) < config.batch_size)
    throw file_error(config.manifest, "has " + std::to_string(train.size()) + " captioned training clips, fewer than batch_size");
  std::vector<CaptionedClip> heldout = load_clips(manifest, "validation", config.frames_per_clip, size, context, tokenizer);
  const std::string heldout_split = heldout.empty() ? "train" : "validation";
  if (heldout.empty()) heldout = train;

  trainer.start(*model, model->parameters(), adamw_options(config),
                {{"train_clips", train.size()}, {"heldout_clips", heldout.size()}});
  const bool contrastive = config.objective == "contrastive";
  const auto step = [&](MicroStep& m) {
    const auto picks = torch::randperm(static_cast<int64_t>(train.size()), m.generator, torch::kInt64).narrow(0, 0, config.batch_size);
    std::vector<torch::Tensor> images, ids;
    for (int64_t i = 0; i < config.batch_size; ++i) {
      const CaptionedClip& c = train[static_cast<std::size_t>(picks[i].item<int64_t>())];
      images.push_back(c.frames[torch::randint(c.frames.size(0), {1}, m.generator, torch::kInt64).item<int64_t>()]);
      ids.push_back(c.ids);
    }
    const auto image_batch = torch::stack(images).to(device);
    const auto text = normalized(model->text_embeds(torch::stack(ids).to(device)));
    const auto image = normalized(model->image_embeds(image_batch));
    const auto scale = model->logit_scale.exp();
    const torch::Tensor loss =
        contrastive ? contrastive_loss(image, text, scale)
                    : preference_loss(image, normalized(model->image_embeds(degrade(image_batch, m.generator))), text, scale);
    m.backward(loss);
    m.figures.mean("loss", loss.item<double>());
  };
  const auto after_update = [&](StepFigures& figures) {
    torch::NoGradGuard no_grad;
    model->logit_scale.clamp_(0.0, std::log(100.0));  // CLIP caps the temperature at 1/100
    figures.set("logit_scale", model->logit_scale.exp().item<double>());
  };
  if (!trainer.run(1, step, after_update)) return trainer.result();

  model->eval();
  nlohmann::json report = {{"heldout_items", heldout.size()}, {"heldout_split", heldout_split}};
  report["heldout_accuracy"] = contrastive ? retrieval_accuracy(model, heldout, device)
                                           : preference_accuracy(model, heldout, device, config.seed + 1);
  // The folder appears whole or not at all.
  const fs::path folder = fs::path(config.out) / "model", staging = fs::path(config.out) / "model.partial";
  fs::remove_all(staging);
  model->to(torch::kCPU);
  write_clip_folder(model, staging.string(), merges);
  fs::remove_all(folder);
  fs::rename(staging, folder);
  return trainer.finish(folder.string(), report);
}

}  // namespace viva
