#include "viva/pipeline/edit_job.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <tuple>

#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/io/side_by_side.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"
#include "viva/pipeline/temporal_windows.h"

namespace viva {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Prepared {
  VideoFrames source;  // every frame to edit, at the working size
  int source_width = 0, source_height = 0;
  std::vector<TemporalWindow> windows;
  EditConditions conditions;  // the first window's (later windows encode their source as they come)
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

// Frames [start, start + count) of `video`, the last repeated up to `padded_count`.
VideoFrames frame_span(const VideoFrames& video, int start, int count, int padded_count) {
  VideoFrames out(padded_count, video.height, video.width, video.fps);
  for (int t = 0; t < padded_count; ++t)
    std::memcpy(out.frame(t), video.frame(start + std::min(t, count - 1)), video.frame_bytes());
  return out;
}

VideoFrames window_clip(const VideoFrames& video, const TemporalWindow& w) {
  return frame_span(video, w.start, w.frames, w.model_frames);
}

int latent_frames(int frames) { return 1 + (frames - 1) / 4; }

Prepared prepare(VivaPipeline& pipeline, const EditJob& job, EditStageTimes& times, const EditStageCallback& on_stage) {
  const VivaModelConfig& c = pipeline.config();
  // Here, not when writing: a batch must not sample a job whose output has nowhere to go.
  check_output_folder(job.output);
  if (!job.side_by_side.empty()) check_output_folder(job.side_by_side);
  if (on_stage) on_stage("reading", 0, 0);
  auto start = std::chrono::steady_clock::now();
  const int window = job.window.value_or(c.frames);
  const int overlap = job.overlap.value_or(default_window_overlap(window));
  const VideoFrames original =
      read_video(job.video, DecodeOptions().set_max_frames(job.frames.value_or(0)).set_start(job.start_s));
  // The model works at the source's aspect ratio (no crop beyond rounding to multiples of 16)
  // unless a working size is given.
  const auto [width, height] = job.width ? std::make_pair(*job.width, *job.height)
                                         : fit_aspect_to_budget(original.width, original.height, c.width * c.height);
  Prepared p;
  p.source = resize_center_crop(original, width, height);
  p.source_width = original.width;
  p.source_height = original.height;
  p.windows = plan_temporal_windows(p.source.frames, window, overlap);
  std::optional<Image> reference;
  if (!job.reference.empty()) reference = read_image(job.reference);
  times.read_s = seconds_since(start);
  if (on_stage) on_stage("encoding", 0, 0);
  start = std::chrono::steady_clock::now();
  // The instruction is encoded once, with the video's first frame: every window follows the
  // same conditions, which keeps them consistent.
  // Kept on the host until the job samples: a batch encodes every job before sampling any, and
  // a GPU would otherwise hold every job's conditions beside the DiT.
  p.conditions = conditions_on(pipeline.encode(window_clip(p.source, p.windows[0]), job.instruction, reference),
                               torch::kCPU);
  times.encode_s = seconds_since(start);
  return p;
}

// Writes `window`'s decoded frames into `edited`, cross-fading those it shares with the one before.
void place_window(VideoFrames& edited, const VideoFrames& decoded, const TemporalWindow& w) {
  const std::size_t bytes = edited.frame_bytes();
  for (int i = 0; i < w.frames; ++i) {
    uint8_t* out = edited.frame(w.start + i);
    const uint8_t* in = decoded.frame(i);
    if (i >= w.overlap) {
      std::memcpy(out, in, bytes);
      continue;
    }
    const float a = crossfade_weight(i, w.overlap);
    for (std::size_t j = 0; j < bytes; ++j)
      out[j] = static_cast<uint8_t>(std::lround((1.0f - a) * static_cast<float>(out[j]) + a * static_cast<float>(in[j])));
  }
}

void finish(VivaPipeline& pipeline, const EditJob& job, const Prepared& p, EditResult& result,
            const ProgressOptions& progress_options, bool write_outputs, const EditStageCallback& on_stage) {
  EditStageTimes& times = result.times;
  result.windows = static_cast<int>(p.windows.size());
  const int steps = job.sampling.steps;
  const auto windows = static_cast<int64_t>(p.windows.size());
  const double fps = p.source.fps > 0 ? p.source.fps : 24.0;
  const std::string label = "sampling " + job.output + (windows > 1 ? " in " + std::to_string(windows) + " windows" : "");
  Progress progress(label, windows * steps, ProgressOptions(progress_options).set_unit("step"));
  // One noise tensor over the whole video's latent frames, each window taking its stretch: the
  // frames two windows share start from the same noise. (Window starts are multiples of four.)
  const torch::Tensor& first = p.conditions.source;
  const TemporalWindow& last = p.windows.back();
  const std::vector<int64_t> sizes{1, first.size(1), last.start / 4 + latent_frames(last.model_frames), first.size(3),
                                   first.size(4)};
  const torch::Tensor noise = pipeline.seeded_noise(sizes, job.sampling.seed);
  VideoFrames edited(p.source.frames, p.source.height, p.source.width, fps);
  for (int64_t k = 0; k < windows; ++k) {
    const TemporalWindow& w = p.windows[static_cast<std::size_t>(k)];
    auto start = std::chrono::steady_clock::now();
    // One window's source latent at a time: the memory of a long video's edit is one window's.
    EditConditions conditions = p.conditions;
    if (k > 0) conditions.source = pipeline.encode_video(window_clip(p.source, w));
    torch::Tensor known;  // the already edited frames this window shares with the one before
    if (w.overlap > 0) known = pipeline.encode_video(frame_span(edited, w.start, w.overlap, w.overlap));
    const torch::Tensor latent = pipeline.sample(
        conditions, job.sampling,
        [&](int done, int) {
          progress.update(k * steps + done);
          if (on_stage) on_stage("sampling", k * steps + done, windows * steps);
        },
        noise.narrow(2, w.start / 4, latent_frames(w.model_frames)), known);
    times.sample_s += seconds_since(start);
    // Other ranks of a sequence-parallel edit decode only what the next window needs.
    if (!write_outputs && k + 1 == windows) break;
    if (on_stage) on_stage("decoding", (k + 1) * steps, windows * steps);
    start = std::chrono::steady_clock::now();
    const VideoFrames decoded = pipeline.decode(latent, fps);
    if (w.overlap > 0)
      result.window_agreement_db = std::min(result.window_agreement_db,
                                            psnr(frame_span(edited, w.start, w.overlap, w.overlap),
                                                 frame_span(decoded, 0, w.overlap, w.overlap)));
    place_window(edited, decoded, w);
    times.decode_s += seconds_since(start);
  }
  progress.finish();
  if (!write_outputs) return;
  if (on_stage) on_stage("writing", 0, 0);
  auto start = std::chrono::steady_clock::now();
  const auto [width, height] = output_size(job, p);
  EncodeOptions encode;
  if (job.keep_audio) encode.set_audio({job.video, job.start_s, edited.frames / fps});
  write_video(job.output, resize_video(edited, width, height), encode);
  if (!job.side_by_side.empty()) write_side_by_side(job.side_by_side, p.source, edited, job.instruction);
  times.write_s = seconds_since(start);
}

}  // namespace

std::vector<EditResult> run_edit_jobs(VivaPipeline& pipeline, const std::vector<EditJob>& jobs,
                                      const ProgressOptions& progress, bool write_outputs,
                                      const EditStageCallback& on_stage) {
  std::vector<EditResult> results(jobs.size());
  std::vector<std::optional<Prepared>> prepared(jobs.size());
  {
    Progress encoding("encoding conditions", static_cast<int64_t>(jobs.size()), ProgressOptions(progress).set_unit("job"));
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      results[i].output = jobs[i].output;
      try {
        prepared[i] = prepare(pipeline, jobs[i], results[i].times, on_stage);
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
      finish(pipeline, jobs[i], *prepared[i], results[i], progress, write_outputs, on_stage);
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
    r.get("start", job.start_s);
    r.get("frames", job.frames);
    r.get("window", job.window);
    r.get("overlap", job.overlap);
    if (job.window) {
      try {
        plan_temporal_windows(1, *job.window, job.overlap.value_or(default_window_overlap(*job.window)));
      } catch (const Error& e) {
        throw Error(where, e.what());
      }
    }
    r.get("audio", job.keep_audio);
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
