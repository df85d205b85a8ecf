// viva data encode: a manifest through the frozen encoders into a condition cache.
#include <cstdio>
#include <memory>
#include <tuple>

#include "viva/cli/cli_common.h"
#include "viva/core/device.h"
#include "viva/data/manifest_check.h"
#include "viva/data/toy_pairs.h"
#include "viva/pipeline/encode_dataset.h"

namespace viva::cli {
namespace {

struct EncodeArgs {
  EncodeDatasetOptions options;
  std::string model, size, device = "cpu", dtype = "auto";
};

void encode(EncodeArgs& a) {
  const torch::Device device = parse_device(a.device);
  const torch::ScalarType dtype = parse_compute_dtype(a.dtype, device);
  check_device_dtype(device, dtype);
  if (!a.size.empty()) std::tie(a.options.width, a.options.height) = parse_frame_size(a.size);
  VivaPipeline pipeline(a.model, device, dtype, PipelineParts::encoders_and_vae());
  const EncodeSummary s = encode_dataset(pipeline, a.options);
  std::printf("%s: %lld encoded, %lld already cached, %lld failed (see %s/errors.jsonl)\n", a.options.out.c_str(),
              static_cast<long long>(s.encoded), static_cast<long long>(s.already_cached),
              static_cast<long long>(s.failed), a.options.out.c_str());
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Build training data");
  data->require_subcommand(1);
  add_data_shapes_command(*data);
  add_data_refine_command(*data);
  auto a = std::make_shared<EncodeArgs>();
  auto* cmd = data->add_subcommand(
      "encode",
      "Encode a manifest's samples with the model's frozen VAE, VLM instructor and CLIP into a condition cache "
      "(sharded safetensors; rerun to resume; bad rows are reported and skipped)");
  cmd->add_option("manifest", a->options.manifest, "JSONL manifest")->required();
  cmd->add_option("--model", a->model, "VIVA model folder whose encoders to use")->required();
  cmd->add_option("--out", a->options.out, "Cache folder (created, or resumed when it exists)")->required();
  cmd->add_option("--shard-size", a->options.shard_size, "Samples per shard")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--size", a->size, "Working size WIDTHxHEIGHT (default: the model's)");
  cmd->add_option("--frames", a->options.frames, "Frames per video, cut to 4k+1 (default: the model's)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--split", a->options.split, "Only rows of this split");
  cmd->add_option("--max-rows", a->options.max_rows, "Only the first N rows (of the split)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--text-to-video", a->options.text_to_video,
                "Text-to-video pretraining data instead: every source and target clip with its caption (ids "
                "<id>#source, <id>#target), text-only VLM states, no source latent");
  cmd->add_option("--device", a->device, "cpu or cuda[:N]")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, kComputeDtypeHelp)->capture_default_str();
  set_guarded_callback(cmd, [a] { encode(*a); });

  auto check_path = std::make_shared<std::string>();
  auto strict = std::make_shared<bool>(false);
  auto* check = data->add_subcommand(
      "check", "Report every bad row of a manifest (line, id, problem) and a summary; exit 1 only with --strict");
  check->add_option("manifest", *check_path, "JSONL manifest")->required();
  check->add_flag("--strict", *strict, "Exit with status 1 when any row is bad");
  set_guarded_callback(check, [check_path, strict] {
    const ManifestCheck c = check_manifest(*check_path);
    for (const ManifestProblem& p : c.problems)
      std::printf("%s:%lld%s: %s\n", check_path->c_str(), static_cast<long long>(p.line),
                  p.id.empty() ? "" : (" (" + p.id + ")").c_str(), p.problem.c_str());
    std::printf("%lld rows, %lld bad, %zu problems\n", static_cast<long long>(c.rows),
                static_cast<long long>(c.bad_rows()), c.problems.size());
    if (*strict && c.bad_rows() > 0) throw CLI::RuntimeError(1);
  });

  auto toy_out = std::make_shared<std::string>();
  auto toy_n = std::make_shared<int>(4);
  auto* toy = data->add_subcommand(
      "toy", "Write a few synthetic pairs (colours inverted inside a box, exact masks) with their manifest, for "
             "smoke tests of encoding, training and editing");
  toy->add_option("--out", *toy_out, "Folder to write")->required();
  toy->add_option("--n", *toy_n, "Number of pairs (half videos, half images)")->check(CLI::PositiveNumber)->capture_default_str();
  set_guarded_callback(toy, [toy_out, toy_n] { std::printf("wrote %s\n", write_inversion_pairs(*toy_out, *toy_n).c_str()); });
}

}  // namespace viva::cli
