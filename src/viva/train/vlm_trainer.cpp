#include "viva/train/vlm_trainer.h"

#include <filesystem>

#include "viva/core/config.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/data/manifest.h"
#include "viva/io/video_reader.h"
#include "viva/models/clip/clip_image_processor.h"
#include "viva/models/llava/llava_model.h"
#include "viva/nn/media_tensors.h"
#include "viva/pipeline/model_folder.h"
#include "viva/tokenizers/bpe_tokenizer.h"

namespace viva {
namespace fs = std::filesystem;

VlmTrainConfig VlmTrainConfig::read(const std::string& path) { return from_json(load_json_file(path), path); }

VlmTrainConfig VlmTrainConfig::from_json(const nlohmann::json& json, const std::string& source, ConfigPaths paths) {
  VlmTrainConfig c;
  ConfigReader r(json, source);
  if (paths == ConfigPaths::InFile) {
    r.require("model", c.model);
    r.require("manifest", c.manifest);
    r.require("out", c.out);
  }
  r.get("system_prompt", c.system_prompt);
  r.get("question", c.question);
  c.read_training_keys(r);
  r.get("grad_accum", c.grad_accum);
  r.finish();
  c.check_training_keys(source);
  if (c.grad_accum < 1) throw Error(source, "grad_accum must be positive");
  return c;
}

nlohmann::json VlmTrainConfig::to_json() const {
  nlohmann::json json = {{"model", model}, {"manifest", manifest}, {"out", out}, {"system_prompt", system_prompt},
                         {"question", question}, {"grad_accum", grad_accum}};
  add_training_keys(json);
  return json;
}

namespace {

// One frame with its caption as a chat: the ids, and where the answer (caption + <|eot_id|>) is.
struct CaptionExample {
  torch::Tensor pixels;  // [1, 3, S, S]
  torch::Tensor ids;     // [1, L]
  int64_t answer_begin = 0, answer_end = 0;
};

std::vector<CaptionExample> load_examples(const Manifest& manifest, const std::string& split, const VlmTrainConfig& c,
                                          const BpeTokenizer& tokenizer, const LlavaOptions& options) {
  std::vector<int64_t> prefix{tokenizer.token_id("<|begin_of_text|>")};
  auto append = [&](std::vector<int64_t>& ids, const std::string& text) {
    for (int id : tokenizer.encode(text)) ids.push_back(id);
  };
  append(prefix, "<|start_header_id|>system<|end_header_id|>\n\n" + c.system_prompt +
                     "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n");
  prefix.push_back(options.image_token_id);
  append(prefix, "\n" + c.question + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  const int64_t eot = tokenizer.token_id("<|eot_id|>");

  std::vector<CaptionExample> examples;
  for_each_clip(manifest, split, [&](const ManifestRow&, const std::string& path, const std::string& caption) {
    if (caption.empty()) return;
    const VideoFrames first = read_video(path, DecodeOptions().set_max_frames(1));
    CaptionExample e;
    e.pixels = clip_preprocess(video_to_tensor(first).select(1, 0), options.vision.image_size).unsqueeze(0);
    std::vector<int64_t> ids = prefix;
    e.answer_begin = static_cast<int64_t>(ids.size());
    append(ids, caption);
    ids.push_back(eot);
    e.answer_end = static_cast<int64_t>(ids.size());
    e.ids = torch::tensor(ids, torch::kInt64).unsqueeze(0);
    examples.push_back(std::move(e));
  });
  return examples;
}

// Next-token logits at the answer positions -> (cross-entropy, correct predictions, tokens).
struct CaptionLoss {
  torch::Tensor loss;
  int64_t correct = 0, tokens = 0;
};

CaptionLoss caption_loss(LlavaModel& vlm, const CaptionExample& e, torch::Device device) {
  const SplicedInput input = vlm->splice(e.ids.to(device), vlm->image_features(e.pixels.to(device)));
  const auto hidden = vlm->language_model->forward(input.embeddings);
  // The image token before the answer became image_length positions.
  const int64_t shift = input.image_length - 1;
  const int64_t n = e.answer_end - e.answer_begin;
  const auto h = hidden.narrow(1, e.answer_begin + shift - 1, n)[0];  // the positions predicting the answer
  auto& lm = vlm->language_model;
  const auto logits = lm->lm_head ? lm->logits(h.unsqueeze(0))[0] : torch::matmul(h, lm->embed_tokens->weight.t());
  const auto targets = e.ids[0].narrow(0, e.answer_begin, n).to(device);
  CaptionLoss out;
  out.loss = torch::nn::functional::cross_entropy(logits, targets);
  out.correct = (logits.argmax(-1) == targets).sum().item<int64_t>();
  out.tokens = n;
  return out;
}

}  // namespace

TrainResult train_vlm(const VlmTrainConfig& config, const TrainRunOptions& run) {
  Trainer trainer("training the VLM", config, config.to_json(), config.out, run);
  const torch::Device device = parse_device(config.device);
  check_device_dtype(device, torch::kFloat32);
  const ModelFolder model(config.model);
  LlavaModel vlm = model.load_instructor(device, torch::kFloat32);
  vlm->train();
  const LlavaOptions& options = vlm->options;
  const BpeTokenizer tokenizer = model.load_tokenizer();

  const Manifest manifest = read_manifest(config.manifest);
  const std::vector<CaptionExample> train = load_examples(manifest, "train", config, tokenizer, options);
  if (train.empty()) throw file_error(config.manifest, "has no captioned training clips");
  std::vector<CaptionExample> heldout = load_examples(manifest, "validation", config, tokenizer, options);
  const std::string heldout_split = heldout.empty() ? "train" : "validation";
  if (heldout.empty()) heldout = train;

  trainer.start(*vlm, vlm->parameters(), adamw_options(config),
                {{"train_examples", train.size()}, {"heldout_examples", heldout.size()}});
  const bool complete = trainer.run(config.grad_accum, [&](MicroStep& m) {
    const auto pick = torch::randint(static_cast<int64_t>(train.size()), {1}, m.generator, torch::kInt64).item<int64_t>();
    const CaptionLoss l = caption_loss(vlm, train[static_cast<std::size_t>(pick)], device);
    m.backward(l.loss);
    m.figures.mean("loss", l.loss.item<double>());
    m.figures.ratio("token_accuracy", static_cast<double>(l.correct), static_cast<double>(l.tokens));
  });
  if (!complete) return trainer.result();

  vlm->eval();
  nlohmann::json report = {{"heldout_items", heldout.size()}, {"heldout_split", heldout_split}};
  {
    torch::NoGradGuard no_grad;
    double loss_sum = 0;
    int64_t correct = 0, tokens = 0;
    for (const auto& e : heldout) {
      const CaptionLoss l = caption_loss(vlm, e, device);
      loss_sum += l.loss.item<double>();
      correct += l.correct;
      tokens += l.tokens;
    }
    report["heldout_loss"] = loss_sum / static_cast<double>(heldout.size());
    report["heldout_token_accuracy"] = static_cast<double>(correct) / static_cast<double>(tokens);
  }
  const std::string model_folder = (fs::path(config.out) / "model").string();
  model.write_with_component(ModelComponent::Instructor, model_folder,
                             [&](const std::string& weights) { save_llava(vlm, weights); });
  return trainer.finish(model_folder, report);
}

}  // namespace viva
