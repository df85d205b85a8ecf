#include "viva/pipeline/edit_job.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>
#include <tuple>

#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/io/side_by_side.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"

namespace viva {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Prepared {
  VideoFrames source;  // at the working size
  int source_width = 0, source_height = 0;
  EditConditions conditions;
};

// The size the edit is written at; even for .mp4 (H.264 in 4:2:0 needs even sides).
std::pair<int, int> output_size(const EditJob& job, const Prepared& p) {
  auto size = job.output_size == "source"  ? std::make_pair(p.source_width, p.source_height)
              : job.output_size == "model" ? std::make_pair(p.source.width, p.source.height)
                                           : parse_frame_size(job.output_size);
  if (lower_extension(job.output) == ".mp4")
    size = {std::max(2, size.first - size.first % 2), std::max(2, size.second - size.second % 2)};
  return size;
}

Prepared prepare(VivaPipeline& pipeline, const EditJob& job, EditStageTimes& times) {
  const VivaModelConfig& c = pipeline.config();
  // Here, not when writing: a batch must not sample a job whose output has nowhere to go.
  check_output_folder(job.output);
  if (!job.side_by_side.empty()) check_output_folder(job.side_by_side);
  auto start = std::chrono::steady_clock::now();
  const int frames = job.frames.value_or(c.frames);
  const VideoFrames original = read_video(job.video, DecodeOptions().set_max_frames(frames));
  // The model works at the source's aspect ratio (no crop beyond rounding to multiples of 16)
  // unless a working size is given.
  const auto [width, height] = job.width ? std::make_pair(*job.width, *job.height)
                                         : fit_aspect_to_budget(original.width, original.height, c.width * c.height);
  const VideoFrames video = fit_for_model(original, width, height);
  std::optional<Image> reference;
  if (!job.reference.empty()) reference = read_image(job.reference);
  times.read_s = seconds_since(start);
  start = std::chrono::steady_clock::now();
  Prepared p{video, original.width, original.height, pipeline.encode(video, job.instruction, reference)};
  times.encode_s = seconds_since(start);
  return p;
}

void finish(VivaPipeline& pipeline, const EditJob& job, const Prepared& p, EditStageTimes& times,
            const ProgressOptions& progress_options, bool write_outputs) {
  auto start = std::chrono::steady_clock::now();
  Progress progress("sampling " + job.output, job.sampling.steps, ProgressOptions(progress_options).set_unit("step"));
  const torch::Tensor latent =
      pipeline.sample(p.conditions, job.sampling, [&](int done, int) { progress.update(done); });
  progress.finish();
  times.sample_s = seconds_since(start);
  if (!write_outputs) return;
  start = std::chrono::steady_clock::now();
  const VideoFrames edited = pipeline.decode(latent, p.source.fps > 0 ? p.source.fps : 24.0);
  times.decode_s = seconds_since(start);
  start = std::chrono::steady_clock::now();
  const auto [width, height] = output_size(job, p);
  write_video(job.output, resize_video(edited, width, height));
  if (!job.side_by_side.empty()) write_side_by_side(job.side_by_side, p.source, edited, job.instruction);
  times.write_s = seconds_since(start);
}

}  // namespace

std::vector<EditResult> run_edit_jobs(VivaPipeline& pipeline, const std::vector<EditJob>& jobs,
                                      const ProgressOptions& progress, bool write_outputs) {
  std::vector<EditResult> results(jobs.size());
  std::vector<std::optional<Prepared>> prepared(jobs.size());
  {
    Progress encoding("encoding conditions", static_cast<int64_t>(jobs.size()), ProgressOptions(progress).set_unit("job"));
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      results[i].output = jobs[i].output;
      try {
        prepared[i] = prepare(pipeline, jobs[i], results[i].times);
      } catch (const std::exception& e) {
        results[i].error = e.what();
      }
      encoding.advance();
    }
    encoding.finish();
  }
  pipeline.release_encoders();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!prepared[i]) continue;
    try {
      finish(pipeline, jobs[i], *prepared[i], results[i].times, progress, write_outputs);
    } catch (const std::exception& e) {
      results[i].error = e.what();
    }
    prepared[i].reset();
  }
  return results;
}

void check_output_size(const std::string& value, const std::string& where) {
  if (value == "source" || value == "model") return;
  try {
    parse_frame_size(value);
  } catch (const Error&) {
    throw Error(where, "output size must be source, model or WIDTHxHEIGHT, not '" + value + "'");
  }
}

std::vector<EditJob> read_edit_jobs(const std::string& path, const EditJob& defaults) {
  std::ifstream in(path);
  if (!in) throw file_error(path, "cannot open the batch file");
  std::vector<EditJob> jobs;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(number);
    const nlohmann::json json = parse_json(line, where);
    if (!json.is_object()) throw Error(where, "each line must be a JSON object");
    EditJob job = defaults;
    ConfigReader r(json, where);
    r.require("video", job.video);
    r.require("instruction", job.instruction);
    r.require("output", job.output);
    r.get("reference", job.reference);
    r.get("side_by_side", job.side_by_side);
    r.get("frames", job.frames);
    std::string size;
    r.get("size", size);
    if (!size.empty()) std::tie(job.width, job.height) = parse_frame_size(size);
    r.get("output_size", job.output_size);
    check_output_size(job.output_size, where);
    r.get("steps", job.sampling.steps);
    r.get("cfg", job.sampling.guidance);
    r.get("seed", job.sampling.seed);
    r.finish();
    jobs.push_back(job);
  }
  if (jobs.empty()) throw file_error(path, "holds no jobs");
  return jobs;
}

}  // namespace viva
