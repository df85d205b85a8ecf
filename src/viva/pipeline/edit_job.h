#pragma once
// One edit from files to files, in the stages `viva edit` reports: read and fit the source,
// encode the conditions (VAE + VLM instructor + CLIP), sample, decode, write. Batch mode
// encodes every job first, frees the encoders, then samples them one by one. A video longer
// than a window is sampled and decoded window by window (temporal_windows.h): the model's
// memory is that of one window whatever the length.
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "viva/core/progress.h"
#include "viva/pipeline/viva_pipeline.h"

namespace viva {

struct EditJob {
  std::string video;          // input video (file, image or PNG folder)
  std::string instruction;
  std::string reference;      // optional reference image
  std::string output;         // .mp4 / .mkv / PNG folder
  std::string side_by_side;   // optional source | edited video with the instruction
  double start_s = 0;                 // edit from this time of the source
  std::optional<int> frames;          // edit at most this many frames; empty: to the end
  std::optional<int> window;          // frames per temporal window (4k+1); empty: the model's
  std::optional<int> overlap;         // frames shared by neighbouring windows; empty: default_window_overlap
  std::optional<int> width, height;   // working size; empty: the source's aspect at the model's pixels
  std::string output_size = "source";  // "source" (scaled back), "model" (the working size) or "WxH"
  bool keep_audio = true;             // copy the source's audio over the edited span
  SamplingOptions sampling;
};

struct EditStageTimes {
  double read_s = 0, encode_s = 0, sample_s = 0, decode_s = 0, write_s = 0;
};

// What the job's stages report as they go (a server's job status): the stage's name ("reading",
// "encoding", "sampling", "decoding", "writing") and, while sampling, steps done of all windows'.
using EditStageCallback = std::function<void(const std::string& stage, int64_t done, int64_t total)>;

struct EditResult {
  std::string output;
  std::string error;  // empty on success
  EditStageTimes times;
  int windows = 0;
  // The least PSNR (dB) between a window's decoded frames and the already edited frames they
  // overlap, before the cross-fade: how well the windows agree (infinity for one window).
  double window_agreement_db = std::numeric_limits<double>::infinity();
};

// Throws, naming `where`, unless `value` is "source", "model" or WIDTHxHEIGHT.
void check_output_size(const std::string& value, const std::string& where);

// Runs the jobs; a failing job is recorded in its result and the others go on. The encoders
// are released once every job's conditions are computed. Without `write_outputs` the jobs stop
// after sampling (the other ranks of a sequence-parallel edit: rank 0 decodes and writes).
// `on_stage` hears each job's stages; an exception it throws fails that job (how a server cancels).
std::vector<EditResult> run_edit_jobs(VivaPipeline& pipeline, const std::vector<EditJob>& jobs,
                                      const ProgressOptions& progress = {}, bool write_outputs = true,
                                      const EditStageCallback& on_stage = {});

// Reads a batch file: one JSON object per line with video, instruction, output and optionally
// reference, side_by_side, start, frames, window, overlap, size ("WxH"), output_size, audio
// (true/false), steps, cfg, seed; `defaults` fills the rest.
std::vector<EditJob> read_edit_jobs(const std::string& path, const EditJob& defaults);

}  // namespace viva
