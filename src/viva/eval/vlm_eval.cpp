#include "viva/eval/vlm_eval.h"

#include <cstdio>
#include <filesystem>
#include <map>

#include "viva/core/error.h"
#include "viva/core/jsonl_log.h"
#include "viva/vlm/parallel_items.h"
#include "viva/vlm/vlm_frames.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

const char* kNoTask = "(none)";

// Running sums of the judge's scores over a group of items.
struct ScoreMeans {
  int64_t n = 0, n_reference = 0;
  double instruction_following = 0, source_preservation = 0, edit_quality = 0, subject_similarity = 0, overall = 0;

  void add(const JudgeScores& s) {
    ++n;
    instruction_following += s.instruction_following;
    source_preservation += s.source_preservation;
    edit_quality += s.edit_quality;
    overall += s.overall();
    if (s.subject_similarity) {
      ++n_reference;
      subject_similarity += *s.subject_similarity;
    }
  }
  static nlohmann::json mean(double sum, int64_t count) {
    return count > 0 ? nlohmann::json(sum / static_cast<double>(count)) : nlohmann::json();
  }
  nlohmann::ordered_json json() const {
    return {{"n", n},
            {"instruction_following", mean(instruction_following, n)},
            {"source_preservation", mean(source_preservation, n)},
            {"edit_quality", mean(edit_quality, n)},
            {"subject_similarity", mean(subject_similarity, n_reference)},
            {"n_reference", n_reference},
            {"overall", mean(overall, n)}};
  }
};

std::string task_name(const std::string& task) { return task.empty() ? kNoTask : task; }


nlohmann::ordered_json item_json(const VlmEvalItem& item) {
  nlohmann::ordered_json j = {{"id", item.id}, {"task", item.task}, {"prediction", item.prediction}, {"ok", item.ok}};
  if (item.ok) {
    const JudgeScores& s = item.scores;
    j["instruction_following"] = s.instruction_following;
    j["source_preservation"] = s.source_preservation;
    j["edit_quality"] = s.edit_quality;
    j["subject_similarity"] = s.subject_similarity ? nlohmann::json(*s.subject_similarity) : nlohmann::json();
    j["overall"] = s.overall();
    j["reason"] = s.reason;
    j["attempts"] = item.attempts;
  } else {
    j["error"] = item.error;
  }
  return j;
}

}  // namespace

int64_t VlmEvalReport::failed() const {
  int64_t n = 0;
  for (const auto& item : items) n += item.ok ? 0 : 1;
  return n;
}

std::string find_prediction(const std::string& dir, const std::string& id) {
  for (const char* ext : {".mkv", ".mp4"}) {
    const fs::path file = fs::path(dir) / (id + ext);
    if (fs::is_regular_file(file)) return file.string();
  }
  const fs::path folder = fs::path(dir) / id;
  return fs::is_directory(folder) ? folder.string() : "";
}

void judge_prediction(const VlmClient& client, const ManifestRow& row, const VlmEvalOptions& options, VlmEvalItem& item) {
  try {
    if (row.source.empty()) throw Error("row has no source video");
    if (row.instruction.empty()) throw Error("row has no instruction");
    JudgeInput input;
    input.instruction = row.instruction;
    // An edit covers the source's first frames (viva edit cuts to 4k+1 of them), so the source is
    // cut to the prediction's length and both rows of frames show the same moments.
    input.edited_frames = sample_frames(item.prediction, options.frames, options.max_side);
    input.source_frames = sample_frames(row.source, options.frames, options.max_side, count_frames(item.prediction));
    if (!row.reference.empty()) input.reference = fit_within(read_image(row.reference), options.max_side);
    const JudgeResult result = judge_edit(client, input);
    item.scores = result.scores;
    item.attempts = result.attempts;
    item.ok = true;
  } catch (const Error& e) {
    item.error = e.what();
  }
}

VlmEvalReport run_vlm_eval(const VlmClient& client, const VlmEvalOptions& options) {
  if (options.frames < 1) throw Error("viva eval vlm", "--frames must be at least 1");
  if (!fs::is_directory(options.predictions)) throw file_error(options.predictions, "is not a folder of predictions");
  const Manifest manifest = read_manifest(options.manifest);
  VlmEvalReport report;
  report.manifest = options.manifest;
  report.predictions = options.predictions;
  report.model = client.options().model;
  report.url = client.url();
  report.frames = options.frames;
  report.problems = manifest.problems;

  std::vector<const ManifestRow*> rows;
  for (const ManifestRow& row : manifest.rows) {
    if (!options.split.empty() && row.split != options.split) continue;
    const std::string prediction = find_prediction(options.predictions, row.id);
    if (prediction.empty()) {
      report.missing.push_back(row.id);
      continue;
    }
    VlmEvalItem item;
    item.id = row.id;
    item.task = task_name(row.task);
    item.prediction = prediction;
    item.has_reference = !row.reference.empty();
    report.items.push_back(item);
    rows.push_back(&row);
  }
  if (report.items.empty())
    throw Error("viva eval vlm", "no row of " + options.manifest + (options.split.empty() ? "" : " in split '" + options.split + "'") +
                                     " has a prediction in " + options.predictions + " (looked for <id>.mkv, <id>.mp4, <id>/)");

  JsonlLog log(options.log);
  log.write("start", {{"manifest", options.manifest}, {"model", report.model}, {"url", report.url},
                      {"items", report.items.size()}, {"frames", options.frames}});
  Progress progress("judging", static_cast<int64_t>(report.items.size()),
                    ProgressOptions().set_mode(options.progress).set_unit("edits"));
  for_each_item(
      static_cast<int64_t>(report.items.size()), options.jobs,
      [&](int64_t i) { judge_prediction(client, *rows[i], options, report.items[i]); },
      [&](int64_t i) {
        log.write("item", item_json(report.items[i]));
        progress.advance();
      });
  progress.finish();
  log.write("end", {{"scored", static_cast<int64_t>(report.items.size()) - report.failed()}, {"failed", report.failed()},
                    {"missing", report.missing.size()}});
  return report;
}

nlohmann::ordered_json vlm_eval_json(const VlmEvalReport& report) {
  ScoreMeans all;
  std::map<std::string, ScoreMeans> per_task;
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const VlmEvalItem& item : report.items) {
    if (item.ok) {
      all.add(item.scores);
      per_task[item.task].add(item.scores);
    }
    items.push_back(item_json(item));
  }
  nlohmann::ordered_json tasks = nlohmann::ordered_json::object();
  for (const auto& [task, means] : per_task) tasks[task] = means.json();
  return {{"manifest", report.manifest},
          {"predictions", report.predictions},
          {"model", report.model},
          {"url", report.url},
          {"frames", report.frames},
          {"scored", static_cast<int64_t>(report.items.size()) - report.failed()},
          {"failed", report.failed()},
          {"missing", report.missing.size()},
          {"overall", all.json()},
          {"per_task", tasks},
          {"items", items},
          {"missing_ids", report.missing}};
}

std::string vlm_eval_table(const VlmEvalReport& report) {
  ScoreMeans all;
  std::map<std::string, ScoreMeans> per_task;
  for (const VlmEvalItem& item : report.items)
    if (item.ok) {
      all.add(item.scores);
      per_task[item.task].add(item.scores);
    }
  std::string out;
  char line[256];
  auto cell = [](double sum, int64_t n) {
    char buf[32];
    if (n == 0) return std::string("-");
    std::snprintf(buf, sizeof buf, "%.2f", sum / static_cast<double>(n));
    return std::string(buf);
  };
  auto row = [&](const std::string& name, const ScoreMeans& m) {
    std::snprintf(line, sizeof line, "%-18s %5lld %12s %13s %8s %8s %8s\n", name.c_str(), static_cast<long long>(m.n),
                  cell(m.instruction_following, m.n).c_str(), cell(m.source_preservation, m.n).c_str(),
                  cell(m.edit_quality, m.n).c_str(), cell(m.subject_similarity, m.n_reference).c_str(),
                  cell(m.overall, m.n).c_str());
    out += line;
  };
  std::snprintf(line, sizeof line, "%-18s %5s %12s %13s %8s %8s %8s\n", "task", "n", "instruction", "preservation",
                "quality", "subject", "overall");
  out += line;
  for (const auto& [task, means] : per_task) row(task, means);
  row("all", all);
  std::snprintf(line, sizeof line, "%lld scored, %lld failed, %zu without a prediction (VLM %s, %d frames per video)\n",
                static_cast<long long>(all.n), static_cast<long long>(report.failed()), report.missing.size(),
                report.model.c_str(), report.frames);
  out += line;
  return out;
}

}  // namespace viva
