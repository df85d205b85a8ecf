// viva model init: write a freshly initialised VIVA model folder (the start of a training recipe),
// or one built from released text-to-video weights and a LLaVA instructor (--from-t2v);
// viva model convert: the same model with its weights stored in another dtype;
// viva model consolidate: a training checkpoint (by parts or whole) as a model folder;
// viva model init-metric: a tiny random metric model for viva eval bench without released weights.
#include <cstdio>
#include <memory>

#include "viva/cli/cli_common.h"
#include "viva/core/config.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/eval/tiny_metric_models.h"
#include "viva/models/dit/dit_options.h"
#include "viva/pipeline/model_convert.h"
#include "viva/pipeline/model_from_t2v.h"
#include "viva/pipeline/model_init.h"
#include "viva/train/checkpoint_consolidate.h"

namespace viva::cli {

void add_model_command(CLI::App& app) {
  auto* model = app.add_subcommand("model", "Create VIVA model folders (and tiny metric models)");
  model->require_subcommand(1);
  auto options = std::make_shared<ModelInitOptions>();
  auto out = std::make_shared<std::string>();
  auto* init = model->add_subcommand(
      "init",
      "Write a model folder: freshly initialised weights at a preset size, or (--from-t2v) a VIVA editor built from "
      "released HunyuanVideo text-to-video weights and a LLaVA instructor, which it references rather than copies");
  init->add_option("--out", *out, "Model folder to create (must not exist or be empty)")->required();
  auto released = std::make_shared<ModelFromT2vOptions>();
  init->add_option("--from-t2v", released->t2v,
                   "HunyuanVideo text-to-video folder in the diffusers layout (transformer/, vae/, text_encoder_2/, "
                   "tokenizer_2/): build the editor from it");
  init->add_option("--instructor", released->instructor,
                   "With --from-t2v: the LLaVA folder (e.g. xtuner/llava-llama-3-8b-v1_1-transformers) with tokenizer.json");
  init->add_option("--clip", released->clip, "With --from-t2v: a CLIP text folder instead of <t2v>/text_encoder_2");
  init->add_option("--preset", options->preset, "Size preset")->check(CLI::IsMember({"tiny", "shapes"}))->capture_default_str();
  init->add_option("--tokenizers", options->tokenizers,
                   "Folder with llama3/tokenizer.json and clip/bpe_simple_vocab_16e6.txt.gz (fresh weights)");
  init->add_option("--seed", options->seed, "Initialisation seed")->capture_default_str();
  auto transformer = std::make_shared<std::string>();
  init->add_option("--transformer", *transformer,
                   "DiT architecture keys replacing the preset's, as JSON, e.g. '{\"hidden_size\": 256, \"heads_num\": 4}' "
                   "(" + join(DitOptions::architecture_keys()) + ")");
  set_guarded_callback(init, [options, out, transformer, released] {
    if (!released->t2v.empty() || !released->instructor.empty()) {
      if (released->t2v.empty() || released->instructor.empty())
        throw Error("viva model init", "--from-t2v DIR and --instructor DIR go together");
      released->out = *out;
      const ModelFromT2vSummary s = write_model_from_t2v(*released);
      std::printf("wrote %s: the editor's transformer (%lld released shards linked, %lld VIVA tensors added)\n",
                  out->c_str(), static_cast<long long>(s.linked_shards), static_cast<long long>(s.new_tensors));
      for (const auto& [entry, source] : s.components) std::printf("  %-15s %s\n", entry.c_str(), source.c_str());
      return;
    }
    if (options->tokenizers.empty()) throw Error("viva model init", "--tokenizers DIR is required for fresh weights");
    if (!transformer->empty()) options->transformer = parse_json(*transformer, "--transformer");
    write_initial_model(*out, *options);
    std::printf("wrote %s (preset %s)\n", out->c_str(), options->preset.c_str());
  });

  auto convert_in = std::make_shared<std::string>(), convert_out = std::make_shared<std::string>();
  auto convert_dtype = std::make_shared<std::string>("bf16");
  auto* convert = model->add_subcommand("convert", "Copy a model folder with its weights stored in another dtype");
  convert->add_option("in", *convert_in, "Model folder")->required();
  convert->add_option("out", *convert_out, "New model folder (must not exist)")->required();
  convert->add_option("--dtype", *convert_dtype, "Storage dtype of floating-point tensors")
      ->check(CLI::IsMember({"bf16", "fp16", "fp32"}))
      ->capture_default_str();
  auto consolidate_in = std::make_shared<std::string>(), consolidate_out = std::make_shared<std::string>();
  auto* consolidate = model->add_subcommand(
      "consolidate",
      "Write a model folder from a viva train sft checkpoint (one part per rank when sharded): the run's base model "
      "with the checkpoint's transformer");
  consolidate->add_option("checkpoint", *consolidate_in, "A step folder, a run's checkpoints/ folder or the run folder")
      ->required();
  consolidate->add_option("--out", *consolidate_out, "Model folder to write (must not exist or be empty)")->required();
  set_guarded_callback(consolidate, [consolidate_in, consolidate_out] {
    const ConsolidateSummary s = consolidate_checkpoint(*consolidate_in, *consolidate_out);
    std::printf("wrote %s: step %lld of %s (%s), %lld tensors\n", consolidate_out->c_str(),
                static_cast<long long>(s.step), s.checkpoint.c_str(),
                s.parts ? (std::to_string(s.parts) + " parts").c_str() : "not sharded",
                static_cast<long long>(s.tensors));
  });

  auto metric_kind = std::make_shared<std::string>(), metric_out = std::make_shared<std::string>();
  auto metric_seed = std::make_shared<uint64_t>(0);
  auto* metric = model->add_subcommand(
      "init-metric",
      "Write a tiny randomly initialised metric model folder for viva eval bench (--dino, --dinov2, --viclip) where "
      "the released weights are absent: its figures test the plumbing, they judge nothing");
  metric->add_option("kind", *metric_kind, "Which model")->required()->check(CLI::IsMember(tiny_metric_model_kinds()));
  metric->add_option("--out", *metric_out, "Folder to write (config.json, model.safetensors)")->required();
  metric->add_option("--seed", *metric_seed, "Initialisation seed")->capture_default_str();
  set_guarded_callback(metric, [metric_kind, metric_out, metric_seed] {
    write_tiny_metric_model(*metric_kind, *metric_out, *metric_seed);
    std::printf("wrote %s (tiny %s, random weights, seed %llu)\n", metric_out->c_str(), metric_kind->c_str(),
                static_cast<unsigned long long>(*metric_seed));
  });

  set_guarded_callback(convert, [convert_in, convert_out, convert_dtype] {
    const ModelConvertSummary s = convert_model_dtype(*convert_in, *convert_out, parse_compute_dtype(*convert_dtype));
    std::printf("wrote %s: %lld tensors in %lld files, %.1f MB -> %.1f MB\n", convert_out->c_str(),
                static_cast<long long>(s.tensors), static_cast<long long>(s.files), s.bytes_before / 1e6,
                s.bytes_after / 1e6);
  });
}

}  // namespace viva::cli
