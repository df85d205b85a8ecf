// viva model init: write a freshly initialised VIVA model folder (the start of a training recipe);
// viva model convert: the same model with its weights stored in another dtype.
#include <cstdio>
#include <memory>

#include "viva/cli/cli_common.h"
#include "viva/core/config.h"
#include "viva/core/device.h"
#include "viva/core/strings.h"
#include "viva/models/dit/dit_options.h"
#include "viva/pipeline/model_convert.h"
#include "viva/pipeline/model_init.h"

namespace viva::cli {

void add_model_command(CLI::App& app) {
  auto* model = app.add_subcommand("model", "Create VIVA model folders");
  model->require_subcommand(1);
  auto options = std::make_shared<ModelInitOptions>();
  auto out = std::make_shared<std::string>();
  auto* init = model->add_subcommand("init", "Write a model folder with freshly initialised weights");
  init->add_option("--out", *out, "Model folder to create (must not exist or be empty)")->required();
  init->add_option("--preset", options->preset, "Size preset")->check(CLI::IsMember({"tiny", "shapes"}))->capture_default_str();
  init->add_option("--tokenizers", options->tokenizers,
                   "Folder with llama3/tokenizer.json and clip/bpe_simple_vocab_16e6.txt.gz")
      ->required();
  init->add_option("--seed", options->seed, "Initialisation seed")->capture_default_str();
  auto transformer = std::make_shared<std::string>();
  init->add_option("--transformer", *transformer,
                   "DiT architecture keys replacing the preset's, as JSON, e.g. '{\"hidden_size\": 256, \"heads_num\": 4}' "
                   "(" + join(DitOptions::architecture_keys()) + ")");
  set_guarded_callback(init, [options, out, transformer] {
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
  set_guarded_callback(convert, [convert_in, convert_out, convert_dtype] {
    const ModelConvertSummary s = convert_model_dtype(*convert_in, *convert_out, parse_compute_dtype(*convert_dtype));
    std::printf("wrote %s: %lld tensors in %lld files, %.1f MB -> %.1f MB\n", convert_out->c_str(),
                static_cast<long long>(s.tensors), static_cast<long long>(s.files), s.bytes_before / 1e6,
                s.bytes_after / 1e6);
  });
}

}  // namespace viva::cli
