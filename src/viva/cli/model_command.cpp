// viva model init: write a freshly initialised VIVA model folder (the start of a training recipe).
#include <cstdio>
#include <memory>

#include "viva/cli/cli_common.h"
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
  init->callback([options, out] {
    const int rc = run_guarded([&] {
      write_initial_model(*out, *options);
      std::printf("wrote %s (preset %s)\n", out->c_str(), options->preset.c_str());
    });
    if (rc) throw CLI::RuntimeError(rc);
  });
}

}  // namespace viva::cli
