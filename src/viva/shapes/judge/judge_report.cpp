#include "viva/shapes/judge/judge_report.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "viva/core/error.h"
#include "viva/data/manifest.h"
#include "viva/io/video_reader.h"

namespace viva::shapes {
namespace fs = std::filesystem;
namespace {

constexpr double kIdenticalPsnr = 100.0;

void add_finite(double value, double& sum, int64_t& count) {
  if (std::isnan(value)) return;
  sum += std::isinf(value) ? kIdenticalPsnr : value;
  ++count;
}

double mean(double sum, int64_t count) { return count ? sum / static_cast<double>(count) : std::nan(""); }

nlohmann::json number_or_null(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return kIdenticalPsnr;
  return v;
}

ClipScore judge_row(const ManifestRow& row, const JudgeRunOptions& options, const std::string& scenes) {
  ClipScore score;
  const std::string prediction_path = find_prediction(options.predictions, row.id);
  if (prediction_path.empty()) {
    score.missing = true;
  } else {
    try {
      const GroundTruth truth = read_ground_truth((fs::path(scenes) / (row.id + ".json")).string());
      const VideoFrames source = read_video(row.source), target = read_video(row.target);
      const VideoFrames mask =
          row.mask.empty() ? VideoFrames(source.frames, source.height, source.width, source.fps) : read_video(row.mask);
      score = score_clip(truth, source, target, mask, read_video(prediction_path), options.judge);
    } catch (const std::exception& e) {
      score = ClipScore();
      score.error = e.what();
    }
  }
  score.id = row.id;
  score.task = row.task;
  score.kind = kind_name(row.kind);
  score.split = row.split;
  return score;
}

std::string cell(double v, const char* format) {
  if (std::isnan(v)) return "—";
  char text[32];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

std::string table_row(const std::string& name, const ScoreAggregate& a) {
  char text[512];
  std::snprintf(text, sizeof text, "| %s | %lld | %lld | %lld | %s | %s | %s | %s | %s | %s |\n", name.c_str(),
                static_cast<long long>(a.clips), static_cast<long long>(a.missing), static_cast<long long>(a.failed),
                cell(100 * a.followed_share(), "%.1f").c_str(), cell(mean(a.psnr, a.psnr_n), "%.2f").c_str(),
                cell(mean(a.ssim, a.ssim_n), "%.4f").c_str(), cell(mean(a.stability, a.stability_n), "%.3f").c_str(),
                cell(mean(a.flicker, a.flicker_n), "%+.2f").c_str(),
                cell(mean(a.artefact, a.artefact_n), "%.2f").c_str());
  return text;
}


}  // namespace

void ScoreAggregate::add(const ClipScore& s) {
  ++clips;
  if (s.missing) {
    ++missing;
    return;
  }
  if (!s.error.empty()) {
    ++failed;
    return;
  }
  ++scored;
  followed += s.followed;
  add_finite(s.psnr, psnr, psnr_n);
  add_finite(s.ssim, ssim, ssim_n);
  add_finite(s.stability, stability, stability_n);
  add_finite(s.flicker, flicker, flicker_n);
  add_finite(s.artefact, artefact, artefact_n);
}

std::string find_prediction(const std::string& folder, const std::string& id) {
  for (const char* ext : {".mkv", ".mp4", ".png"}) {
    const fs::path p = fs::path(folder) / (id + ext);
    if (fs::is_regular_file(p)) return p.string();
  }
  const fs::path frames = fs::path(folder) / id;
  return fs::is_directory(frames) ? frames.string() : "";
}

JudgeReport judge_predictions(const JudgeRunOptions& options) {
  if (!fs::is_directory(options.predictions)) throw file_error(options.predictions, "prediction folder does not exist");
  const Manifest manifest = read_manifest(options.manifest);
  if (!manifest.problems.empty())
    throw file_error(options.manifest, "line " + std::to_string(manifest.problems.front().line) + ": " +
                                           manifest.problems.front().problem + " (run `viva data check`)");
  const std::string scenes =
      options.scenes.empty() ? (fs::absolute(options.manifest).parent_path() / "scenes").string() : options.scenes;
  if (!fs::is_directory(scenes))
    throw file_error(scenes, "no ground-truth scene folder (written by `viva data shapes`)");
  std::vector<const ManifestRow*> rows;
  for (const ManifestRow& r : manifest.rows)
    if (options.split.empty() || r.split == options.split) rows.push_back(&r);
  if (rows.empty())
    throw file_error(options.manifest, "no rows" + (options.split.empty() ? "" : " of split '" + options.split + "'"));

  JudgeReport report;
  report.manifest = options.manifest;
  report.predictions = options.predictions;
  report.clips.resize(rows.size());
  std::atomic<std::size_t> next{0}, done{0};
  const int jobs =
      std::max(1, std::min<int>(options.jobs > 0 ? options.jobs : static_cast<int>(std::thread::hardware_concurrency()),
                                static_cast<int>(rows.size())));
  // judge_row never throws: every failure becomes the clip's error.
  auto worker = [&] {
    for (std::size_t i; (i = next++) < rows.size(); ++done) report.clips[i] = judge_row(*rows[i], options, scenes);
  };
  Progress progress("judge", static_cast<int64_t>(rows.size()),
                    ProgressOptions().set_mode(options.progress).set_unit("clips"));
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  while (done < rows.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    progress.update(static_cast<int64_t>(done));
  }
  for (std::thread& t : threads) t.join();
  progress.update(static_cast<int64_t>(done));
  progress.finish();

  for (const ClipScore& s : report.clips) {
    report.all.add(s);
    report.by_task[s.task].add(s);
    report.by_split[s.split].add(s);
  }
  return report;
}

std::string report_table(const JudgeReport& r) {
  const std::string header =
      " | clips | missing | failed | followed % | PSNR out | SSIM out | stability | flicker | artefact |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::string text = "| task" + header;
  for (const auto& [task, a] : r.by_task) text += table_row(task, a);
  text += table_row("**all**", r.all);
  text += "\n| split" + header;
  for (const auto& [split, a] : r.by_split) text += table_row(split, a);
  return text;
}

nlohmann::json to_json(const JudgeReport& r) {
  nlohmann::json by_task = nlohmann::json::object(), by_split = nlohmann::json::object(),
                 clips = nlohmann::json::array();
  for (const auto& [task, a] : r.by_task) by_task[task] = aggregate_to_json(a);
  for (const auto& [split, a] : r.by_split) by_split[split] = aggregate_to_json(a);
  for (const ClipScore& s : r.clips) {
    nlohmann::json c = {{"id", s.id}, {"task", s.task}, {"kind", s.kind}, {"split", s.split}, {"missing", s.missing}};
    if (!s.error.empty()) c["error"] = s.error;
    if (!s.missing && s.error.empty()) {
      c["followed"] = s.followed;
      c["differences"] = s.differences;
      c["psnr_outside_mask"] = number_or_null(s.psnr);
      c["ssim_outside_mask"] = number_or_null(s.ssim);
      c["stability"] = number_or_null(s.stability);
      c["flicker"] = number_or_null(s.flicker);
      c["artefact"] = number_or_null(s.artefact);
    }
    clips.push_back(c);
  }
  return {{"manifest", r.manifest}, {"predictions", r.predictions}, {"all", aggregate_to_json(r.all)},
          {"by_task", by_task},     {"by_split", by_split},         {"clips", clips}};
}

nlohmann::json aggregate_to_json(const ScoreAggregate& a) {
  return {{"clips", a.clips},
          {"missing", a.missing},
          {"failed", a.failed},
          {"scored", a.scored},
          {"followed", a.followed},
          {"followed_share", a.followed_share()},
          {"psnr_outside_mask", number_or_null(mean(a.psnr, a.psnr_n))},
          {"ssim_outside_mask", number_or_null(mean(a.ssim, a.ssim_n))},
          {"stability", number_or_null(mean(a.stability, a.stability_n))},
          {"flicker", number_or_null(mean(a.flicker, a.flicker_n))},
          {"artefact", number_or_null(mean(a.artefact, a.artefact_n))}};
}

}  // namespace viva::shapes
