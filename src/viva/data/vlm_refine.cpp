#include "viva/data/vlm_refine.h"

#include <filesystem>
#include <map>

#include "viva/core/error.h"
#include "viva/core/jsonl_log.h"
#include "viva/vlm/parallel_items.h"
#include "viva/vlm/vlm_artifact.h"
#include "viva/vlm/vlm_frames.h"
#include "viva/vlm/vlm_rewrite.h"

namespace viva {
namespace {

struct RowOutcome {
  ManifestRow row;  // as written, when kept
  bool in_scope = false;
  bool keep = true;
  bool labelled = false, artifact = false, flipped = false, rewritten = false, dropped = false, failed = false;
  std::string artifact_reason, instruction_before, error;
  int requests = 0;  // attempts over all VLM questions of the row
};

// Frames of each clip sampled once per row, though labelling and rewriting may both need them.
class FrameCache {
 public:
  FrameCache(int frames, int max_side) : frames_(frames), max_side_(max_side) {}
  const std::vector<Image>& get(const std::string& path, const char* role) {
    if (path.empty()) throw Error(std::string("row has no ") + role);
    auto it = cache_.find(path);
    if (it == cache_.end()) it = cache_.emplace(path, sample_frames(path, frames_, max_side_)).first;
    return it->second;
  }

 private:
  int frames_, max_side_;
  std::map<std::string, std::vector<Image>> cache_;
};

void refine_row(const VlmClient& client, const VlmRefineOptions& options, const ManifestRow& in, RowOutcome& out) {
  out.row = in;
  out.instruction_before = in.instruction;
  FrameCache frames(options.frames, options.max_side);
  try {
    const bool synthetic_is_target = options.synthesized == SynthesizedSide::Target;
    bool flip = false;
    if (options.label_artifacts) {
      ArtifactInput input;
      input.frames = frames.get(synthetic_is_target ? in.target : in.source,
                                synthetic_is_target ? "target (the synthesised clip)" : "source (the synthesised clip)");
      input.caption = synthetic_is_target ? in.target_caption : in.source_caption;
      const ArtifactLabel label = label_artifacts(client, input);
      out.requests += label.attempts;
      out.labelled = true;
      out.artifact = label.artifact;
      out.artifact_reason = label.reason;
      bool want_synthetic_target = false;  // a clip with artefacts is never a target
      if (label.artifact && options.on_artifact == ArtifactAction::Drop) {
        out.keep = false;
        out.dropped = true;
        return;
      }
      if (!label.artifact)
        want_synthetic_target = clean_synthetic_as_target(options.seed, in.id, options.clean_target_probability);
      flip = want_synthetic_target != synthetic_is_target;
    }
    if (flip) {
      out.row = flip_pair(in);
      out.flipped = true;
    }
    if (flip || options.rewrite_instructions) {
      RewriteInput input;
      input.task = out.row.task;
      input.templated_instruction = in.instruction;
      input.template_is_reversed = flip;
      input.source_caption = out.row.source_caption;
      input.target_caption = out.row.target_caption;
      input.source_frames = frames.get(out.row.source, "source");
      input.target_frames = frames.get(out.row.target, "target");
      const RewriteResult result = rewrite_instruction(client, input);
      out.requests += result.attempts;
      out.row.instruction = result.instruction;
      out.rewritten = true;
    }
  } catch (const Error& e) {
    out.keep = false;
    out.failed = true;
    out.error = e.what();
  }
}

nlohmann::json outcome_json(const RowOutcome& o) {
  nlohmann::json j = {{"line", o.row.line}, {"id", o.row.id}};
  if (o.labelled) {
    j["artifact"] = o.artifact;
    j["artifact_reason"] = o.artifact_reason;
  }
  j["flipped"] = o.flipped;
  if (o.rewritten) {
    j["instruction_before"] = o.instruction_before;
    j["instruction"] = o.row.instruction;
  }
  j["kept"] = o.keep;
  if (o.dropped) j["dropped"] = "artifact";
  if (o.failed) j["error"] = o.error;
  j["requests"] = o.requests;
  return j;
}

}  // namespace

ManifestRow flip_pair(const ManifestRow& row) {
  ManifestRow f = row;
  std::swap(f.source, f.target);
  std::swap(f.source_caption, f.target_caption);
  // The region that changes is the same in both directions, so the mask stays.
  if (row.task == "add") {
    f.task = "remove";
  } else if (row.task == "remove") {
    f.task = "add";
  } else if (row.task == "reference_add") {
    f.task = "remove";  // the reference showed what was added; removing needs none
    f.reference.clear();
  } else if (row.task == "reference_replace") {
    f.task = "replace";  // the new target is the original subject, which the reference does not show
    f.reference.clear();
  }
  return f;
}

bool clean_synthetic_as_target(uint64_t seed, const std::string& id, double probability) {
  // FNV-1a over the seed's bytes and the id: stable across runs, platforms and thread orders.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint8_t byte) {
    h ^= byte;
    h *= 1099511628211ull;
  };
  for (int i = 0; i < 8; ++i) mix(static_cast<uint8_t>(seed >> (8 * i)));
  for (char c : id) mix(static_cast<uint8_t>(c));
  // One more avalanche round: FNV's low bits are weak on short keys.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  const double u = static_cast<double>(h >> 11) / 9007199254740992.0;  // 2^53
  return u < probability;
}

VlmRefineSummary refine_manifest(const VlmClient& client, const VlmRefineOptions& options) {
  const char* what = "viva data refine";
  if (!options.rewrite_instructions && !options.label_artifacts)
    throw Error(what, "nothing to do: choose --rewrite-instructions and/or --label-artifacts");
  if (options.frames < 1) throw Error(what, "--frames must be at least 1");
  if (!(options.clean_target_probability >= 0.0 && options.clean_target_probability <= 1.0))
    throw Error(what, "the clean-target probability must lie in [0, 1]");
  if (options.out.empty()) throw Error(what, "no output manifest given (--out)");
  const Manifest manifest = read_manifest(options.manifest);

  VlmRefineSummary summary;
  summary.rows = static_cast<int64_t>(manifest.rows.size());
  summary.bad_lines = static_cast<int64_t>(manifest.problems.size());
  std::vector<RowOutcome> outcomes(manifest.rows.size());
  std::vector<int64_t> work;  // indices of rows in scope
  for (std::size_t i = 0; i < manifest.rows.size(); ++i) {
    outcomes[i].row = manifest.rows[i];
    outcomes[i].in_scope = options.split.empty() || manifest.rows[i].split == options.split;
    if (outcomes[i].in_scope) work.push_back(static_cast<int64_t>(i));
  }

  const std::string report_path = options.report.empty() ? options.out + ".refine.jsonl" : options.report;
  for (const std::string& file : {options.out, report_path}) {
    const std::filesystem::path folder = std::filesystem::path(file).parent_path();
    if (!folder.empty()) std::filesystem::create_directories(folder);
  }
  std::error_code ignored;
  std::filesystem::remove(report_path, ignored);  // the report describes this run only
  JsonlLog log(report_path);
  log.write("start", {{"manifest", options.manifest}, {"out", options.out}, {"model", client.options().model},
                      {"url", client.url()}, {"rows", work.size()}, {"rewrite_instructions", options.rewrite_instructions},
                      {"label_artifacts", options.label_artifacts},
                      {"synthesized", options.synthesized == SynthesizedSide::Target ? "target" : "source"}});
  for (const ManifestProblem& p : manifest.problems) log.write("bad_line", {{"line", p.line}, {"problem", p.problem}});

  Progress progress("refining", static_cast<int64_t>(work.size()),
                    ProgressOptions().set_mode(options.progress).set_unit("rows"));
  for_each_item(
      static_cast<int64_t>(work.size()), options.jobs,
      [&](int64_t k) { refine_row(client, options, manifest.rows[work[k]], outcomes[work[k]]); },
      [&](int64_t k) {
        log.write("row", outcome_json(outcomes[work[k]]));
        progress.advance();
      });
  progress.finish();

  std::vector<ManifestRow> kept;
  for (const RowOutcome& o : outcomes) {
    if (o.keep) kept.push_back(o.row);
    summary.rewritten += o.rewritten;
    summary.labelled += o.labelled;
    summary.artifacts += o.artifact;
    summary.flipped += o.flipped;
    summary.dropped += o.dropped;
    summary.failed += o.failed;
  }
  summary.written = static_cast<int64_t>(kept.size());
  write_manifest(options.out, kept);
  log.write("end", {{"written", summary.written}, {"rewritten", summary.rewritten}, {"labelled", summary.labelled},
                    {"artifacts", summary.artifacts}, {"flipped", summary.flipped}, {"dropped", summary.dropped},
                    {"failed", summary.failed}, {"bad_lines", summary.bad_lines}});
  return summary;
}

}  // namespace viva
