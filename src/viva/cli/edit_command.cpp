// viva edit: edit a video by instruction with a VIVA model folder, one job or a batch file.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "viva/cli/cli_common.h"
#include "viva/core/device.h"
#include "viva/core/distributed.h"
#include "viva/core/error.h"
#include "viva/io/video_writer.h"
#include "viva/nn/sequence_parallel.h"
#include "viva/pipeline/edit_job.h"
#include "viva/pipeline/temporal_windows.h"
#include "viva/train/data_parallel.h"

namespace viva::cli {
namespace {

struct EditArgs {
  std::string video, instruction, reference, output, side_by_side, batch, model, size, lora;
  std::string output_size = "source";
  double lora_scale = 1.0;
  std::string device = "cpu", dtype = "auto", offload = "model";
  std::optional<int> frames, window, overlap, steps;  // empty: all frames; the model's
  double start = 0;
  bool no_audio = false;
  std::optional<double> cfg;
  std::optional<uint64_t> seed;
};

// --model, else $VIVA_MODEL, else the default model shipped in the source tree.
std::string model_folder(const EditArgs& a) {
  if (!a.model.empty()) return a.model;
  if (const char* env = std::getenv("VIVA_MODEL")) return env;
  const std::string shipped = VIVA_DEFAULT_MODEL_DIR;
  if (!std::filesystem::exists(shipped))
    throw Error("viva edit", "no model given: use --model DIR (the default model " + shipped + " is not present)");
  return shipped;
}

void edit(const EditArgs& a) {
  if (a.batch.empty() && (a.video.empty() || a.instruction.empty() || a.output.empty()))
    throw Error("viva edit", "give VIDEO \"INSTRUCTION\" -o OUTPUT, or --batch JOBS.jsonl");
  // Before loading the model, not after sampling (batch jobs: before each is encoded).
  for (const std::string& path : {a.output, a.side_by_side}) check_output_folder(path);
  check_output_size(a.output_size, "--output-size");
  if (a.window) plan_temporal_windows(1, *a.window, a.overlap.value_or(default_window_overlap(*a.window)));
  // Under viva launch, torchrun or srun: every rank runs the same edits, the DiT's tokens split
  // among them (sequence parallel), and rank 0 decodes, writes and reports.
  const LaunchEnvironment launch = LaunchEnvironment::from_environment();
  const torch::Device device = parse_device(local_device(a.device, launch));
  const torch::ScalarType dtype = parse_compute_dtype(a.dtype, device);
  check_device_dtype(device, dtype);
  make_current(device);  // --device cuda:N: that GPU's context and streams, as the serve worker's
  std::unique_ptr<ProcessGroup> group;
  if (launch.distributed()) group = std::make_unique<ProcessGroup>(launch, device);
  PipelineParts parts;
  parts.offload = offload_from_name(a.offload, "viva edit --offload");
  VivaPipeline pipeline(model_folder(a), device, dtype, parts);
  if (group) pipeline.split_sequence(std::make_shared<SequenceParallel>(*group));
  if (!a.lora.empty()) pipeline.apply_lora(a.lora, a.lora_scale);

  EditJob defaults;
  defaults.sampling = pipeline.config().sampling;
  defaults.sampling.steps = a.steps.value_or(defaults.sampling.steps);
  defaults.sampling.guidance = a.cfg.value_or(defaults.sampling.guidance);
  defaults.sampling.seed = a.seed.value_or(defaults.sampling.seed);
  defaults.start_s = a.start;
  defaults.frames = a.frames;
  defaults.window = a.window;
  defaults.overlap = a.overlap;
  defaults.keep_audio = !a.no_audio;
  if (!a.size.empty()) std::tie(defaults.width, defaults.height) = parse_frame_size(a.size);
  defaults.output_size = a.output_size;

  std::vector<EditJob> jobs;
  if (!a.batch.empty()) {
    jobs = read_edit_jobs(a.batch, defaults);
  } else {
    EditJob job = defaults;
    job.video = a.video;
    job.instruction = a.instruction;
    job.reference = a.reference;
    job.output = a.output;
    job.side_by_side = a.side_by_side;
    jobs.push_back(job);
  }
  const bool writes = launch.rank == 0;
  const std::vector<EditResult> results =
      run_edit_jobs(pipeline, jobs, ProgressOptions().set_mode(writes ? ProgressMode::Auto : ProgressMode::Silent), writes);
  if (!writes) return;
  int failed = 0;
  for (const EditResult& r : results) {
    if (r.error.empty()) {
      std::printf("wrote %s (read %.1fs, encode %.1fs, sample %.1fs, decode %.1fs, write %.1fs)\n", r.output.c_str(),
                  r.times.read_s, r.times.encode_s, r.times.sample_s, r.times.decode_s, r.times.write_s);
      if (r.windows > 1)
        std::printf("  %d windows; where they overlap, each agrees with the edit before it at %.1f dB or more\n",
                    r.windows, r.window_agreement_db);
    } else {
      ++failed;
      std::fprintf(stderr, "viva: error: %s\n", r.error.c_str());
    }
  }
  if (jobs.size() > 1) std::printf("%zu jobs: %zu written, %d failed\n", jobs.size(), jobs.size() - failed, failed);
  if (failed) throw Error("viva edit", std::to_string(failed) + " of " + std::to_string(jobs.size()) + " jobs failed");
}

}  // namespace

void add_edit_command(CLI::App& app) {
  auto a = std::make_shared<EditArgs>();
  auto* cmd = app.add_subcommand("edit", "Edit a video by a natural-language instruction");
  cmd->add_option("video", a->video, "Source video (file, image or folder of PNG frames)");
  cmd->add_option("instruction", a->instruction, "What to change, e.g. \"make it snow\"");
  cmd->add_option("-o,--output", a->output, "Edited video: .mp4 (H.264), .mkv (lossless) or a folder of PNG frames");
  cmd->add_option("--ref", a->reference, "Reference image for the edit (optional)");
  cmd->add_option("--side-by-side", a->side_by_side, "Also write source | edited with the instruction to this path");
  cmd->add_option("--batch", a->batch,
                  "JSONL file of jobs {video, instruction, output[, reference, side_by_side, start, frames, window, overlap, size, "
                  "output_size, audio, steps, cfg, seed]}; failed jobs are reported and the rest go on");
  cmd->add_option("--model", a->model, "VIVA model folder (default: $VIVA_MODEL, else the shipped model)");
  cmd->add_option("--lora", a->lora, "A viva LoRA file (safetensors with rank/alpha/targets metadata) merged into the DiT");
  cmd->add_option("--lora-scale", a->lora_scale, "Strength of the LoRA (1 = as trained)")->capture_default_str();
  cmd->add_option("--steps", a->steps, "Sampling steps (default: the model's)")->check(CLI::PositiveNumber);
  cmd->add_option("--cfg", a->cfg, "Instruction guidance scale (default: the model's; 1 = no guidance)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->seed, "Noise seed (default: the model's)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--start", a->start, "Edit from this time of the video, in seconds")->check(CLI::NonNegativeNumber);
  cmd->add_option("--frames", a->frames, "Edit at most this many frames (default: every frame to the end)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--window", a->window,
                  "Frames the model edits at once, 4k+1 (default: the model's frame count); a longer video is edited "
                  "in overlapping windows")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--overlap", a->overlap,
                  "Frames neighbouring windows share, 4m+1 below the window (default: about a quarter of it, e.g. 5 of 9, "
                  "17 of 61); each window continues from the edited frames it shares, cross-faded")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--no-audio", a->no_audio, "Write the edit without the source's audio (kept by default, cut to the edited span)");
  cmd->add_option("--size", a->size,
                  "Working size WIDTHxHEIGHT, multiples of 16 (default: the source's aspect ratio at the model's pixel "
                  "count, rounded to multiples of 16)");
  cmd->add_option("--output-size", a->output_size,
                  "Size of the written edit: source (scaled back to the input's size), model (the working size) or "
                  "WIDTHxHEIGHT")
      ->capture_default_str();
  cmd->add_option("--device", a->device, "cpu or cuda[:N]")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, kComputeDtypeHelp)->capture_default_str();
  cmd->add_option("--offload", a->offload,
                  "none (every component resident), model (encoders freed before the DiT comes in) or blocks "
                  "(also the DiT's blocks in host memory, each copied in as it runs: 24-48 GB GPUs)")
      ->check(CLI::IsMember({"none", "model", "blocks"}))
      ->capture_default_str();
  cmd->footer(
      "Several ranks (viva launch --nproc N -- edit ..., torchrun or srun) split the DiT's image tokens among them "
      "(Ulysses sequence parallelism; N must divide the attention heads); rank 0 writes the outputs.");
  set_guarded_callback(cmd, [a] { edit(*a); });
}

}  // namespace viva::cli
