#include "viva/eval/video_bench.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

#include "viva/core/atomic_file.h"
#include "viva/core/config.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/eval/text_alignment.h"
#include "viva/eval/video_consistency.h"
#include "viva/eval/vlm_eval.h"
#include "viva/io/video_reader.h"
#include "viva/models/dino/dino_checkpoint.h"
#include "viva/models/viclip/viclip_checkpoint.h"

namespace viva {
namespace fs = std::filesystem;
namespace {

// The columns, in the order of the table.
const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = {
      "vbench_subject_consistency", "vbench_background_consistency", "editverse_dino_consistency",
      "editverse_clip_consistency", "frame_text_alignment",          "video_text_alignment",
      "pickscore",                  "vlm_instruction_following",     "vlm_source_preservation",
      "vlm_edit_quality",           "vlm_subject_similarity",        "vlm_average"};
  return names;
}

bool is_consistency(const std::string& metric) { return metric.find("consistency") != std::string::npos; }

// The metrics some row of the table has, in column order, then any other figures added to the
// rows (e.g. ShapesWorld's oracle columns) in the order they first appear.
std::vector<std::string> present_columns(const nlohmann::ordered_json& rows) {
  std::vector<std::string> columns;
  for (const auto& metric : metric_names())
    for (const auto& row : rows)
      if (row.contains(metric)) {
        columns.push_back(metric);
        break;
      }
  for (const auto& row : rows)
    for (const auto& [key, value] : row.items())
      if (key != "category" && key != "videos" && value.is_number() &&
          std::find(columns.begin(), columns.end(), key) == columns.end())
        columns.push_back(key);
  return columns;
}

// "| category | videos | <metric> (x100)<suffix> | ..." and its rule line.
std::string table_head(const std::vector<std::string>& columns, const std::string& suffix) {
  std::string head = "| category | videos |", rule = "|---|---|";
  for (const auto& c : columns) {
    head += " " + c + (is_consistency(c) ? " (x100)" : "") + suffix + " |";
    rule += "---|";
  }
  return head + "\n" + rule + "\n";
}

// The metric models a run loads once, each present only when its path was given.
struct BenchModels {
  std::optional<DinoVisionTransformer> dino, dinov2;
  std::unique_ptr<ClipScorer> clip_b32, clip_l14, pickscore;
  std::optional<ViclipModel> viclip;
  std::optional<ClipTokenizer> viclip_tokenizer;
  std::optional<VlmClient> judge;

  explicit BenchModels(const VideoBenchOptions& o) {
    const torch::Device device = parse_device(o.device);
    if (!o.dino.empty()) dino = load_dino_model(o.dino, DinoOptions::dino_vitb16());
    if (!o.dinov2.empty()) dinov2 = load_dino_model(o.dinov2, DinoOptions::dinov2_base());
    for (auto* d : {&dino, &dinov2})
      if (*d) (**d)->to(device);
    if (!o.clip_b32.empty()) clip_b32 = std::make_unique<ClipScorer>(o.clip_b32, device);
    if (!o.clip_l14.empty()) clip_l14 = std::make_unique<ClipScorer>(o.clip_l14, device);
    if (!o.pickscore.empty()) pickscore = std::make_unique<ClipScorer>(o.pickscore, device);
    if (!o.viclip.empty()) {
      if (o.viclip_merges.empty()) throw Error("viva eval bench", "--viclip needs --viclip-merges (bpe_simple_vocab_16e6.txt.gz)");
      // A folder with config.json (the reference's arguments) beside the weights, or the
      // released .pth alone (ViT-L/14).
      const std::string config = (fs::path(o.viclip) / "config.json").string();
      viclip = ViclipModel(fs::is_directory(o.viclip) ? ViclipOptions::from_json(load_json_file(config), config)
                                                      : ViclipOptions::viclip_l14());
      load_viclip(*viclip, Checkpoint(o.viclip));
      (*viclip)->to(device);
      (*viclip)->eval();
      viclip_tokenizer = ClipTokenizer::from_file(o.viclip_merges);
    }
    if (o.vlm) judge.emplace(*o.vlm);
  }
};

nlohmann::ordered_json consistency_json(const ConsistencySum& s) { return {{"total", s.total}, {"terms", s.terms}}; }

// Every metric with a model, for one video.
nlohmann::ordered_json score_video(BenchModels& m, const VideoFrames& video, const std::string& caption) {
  torch::NoGradGuard no_grad;
  nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
  if (video.frames >= 2) {
    if (m.dino) metrics["vbench_subject_consistency"] = consistency_json(vbench_consistency(dino_frame_features(*m.dino, vbench_dino_pixels(video))));
    if (m.clip_b32)
      metrics["vbench_background_consistency"] =
          consistency_json(vbench_consistency(clip_frame_features(
              m.clip_b32->model(), vbench_clip_pixels(video, m.clip_b32->model()->options.vision.image_size))));
    if (m.dinov2)
      metrics["editverse_dino_consistency"] =
          consistency_json(consecutive_consistency(dino_frame_features(*m.dinov2, editverse_dino_pixels(video))));
    if (m.clip_l14) {
      ClipModel& clip = m.clip_l14->model();
      metrics["editverse_clip_consistency"] = consistency_json(consecutive_consistency(
          clip_pooled_frame_features(clip, editverse_clip_pixels(video, clip->options.vision.image_size))));
    }
  }
  if (!caption.empty()) {
    if (m.clip_l14) metrics["frame_text_alignment"] = frame_text_alignment(*m.clip_l14, video, caption);
    if (m.viclip) metrics["video_text_alignment"] = video_text_alignment(*m.viclip, *m.viclip_tokenizer, video, caption);
    if (m.pickscore) metrics["pickscore"] = pickscore(*m.pickscore, video, caption);
  }
  return metrics;
}

// Lines of an earlier run that scored their video, by id (a line cut short by a kill is skipped).
std::map<std::string, nlohmann::ordered_json> earlier_results(const std::string& path) {
  std::map<std::string, nlohmann::ordered_json> done;
  std::ifstream in(path);
  std::string text;
  while (std::getline(in, text)) {
    auto line = nlohmann::ordered_json::parse(text, nullptr, false);
    if (line.is_discarded() || !line.contains("id") || !line.contains("metrics")) continue;
    done[line["id"].get<std::string>()] = line;
  }
  return done;
}

// One video's share of a metric's figure: (total, count), or nothing when it has none.
std::optional<std::pair<double, double>> share(const nlohmann::ordered_json& metrics, const std::string& metric) {
  if (starts_with(metric, "vlm_")) {
    const std::string aspect = metric.substr(4);
    if (!metrics.contains("vlm") || !metrics["vlm"].contains(aspect)) return std::nullopt;
    return std::pair{metrics["vlm"][aspect].get<double>(), 1.0};
  }
  if (!metrics.contains(metric)) return std::nullopt;
  if (is_consistency(metric)) return std::pair{metrics[metric]["total"].get<double>(), metrics[metric]["terms"].get<double>()};
  return std::pair{metrics[metric].get<double>(), 1.0};
}

// Per category and "all": consistency as Σ totals / Σ terms, the rest as means over videos.
nlohmann::ordered_json aggregate(const std::vector<nlohmann::ordered_json>& lines) {
  struct Sums {
    double total = 0, count = 0;
  };
  std::map<std::string, std::map<std::string, Sums>> by_category;
  std::map<std::string, int64_t> videos;
  for (const auto& line : lines)
    for (const std::string& category : {line.value("task", std::string("unlabelled")), std::string("all")}) {
      ++videos[category];
      for (const auto& metric : metric_names())
        if (const auto part = share(line["metrics"], metric)) {
          Sums& s = by_category[category][metric];
          s.total += part->first;
          s.count += part->second;
        }
    }
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  const auto add_row = [&](const std::string& category) {
    nlohmann::ordered_json row = {{"category", category}, {"videos", videos[category]}};
    for (const auto& metric : metric_names()) {
      const auto it = by_category[category].find(metric);
      if (it != by_category[category].end() && it->second.count > 0) row[metric] = it->second.total / it->second.count;
    }
    // The paper's "Avg.": the mean of the category's judge scores, 3 or 4 of them.
    double aspects = 0, sum = 0;
    for (const char* aspect : {"vlm_instruction_following", "vlm_source_preservation", "vlm_edit_quality",
                               "vlm_subject_similarity"})
      if (row.contains(aspect)) {
        sum += row[aspect].get<double>();
        ++aspects;
      }
    if (aspects > 0) row["vlm_average"] = sum / aspects;
    rows.push_back(row);
  };
  for (const auto& [category, count] : videos)
    if (category != "all") add_row(category);
  if (videos.count("all")) add_row("all");  // last, as the paper's table ends with the average
  return rows;
}

nlohmann::ordered_json provenance(const VideoBenchOptions& o) {
  nlohmann::ordered_json models = nlohmann::ordered_json::object();
  const auto add = [&](const std::string& metric, const std::string& path) {
    if (!path.empty()) models[metric] = fs::absolute(path).string();
  };
  add("vbench_subject_consistency", o.dino);
  add("vbench_background_consistency", o.clip_b32);
  add("editverse_dino_consistency", o.dinov2);
  add("editverse_clip_consistency", o.clip_l14);
  add("frame_text_alignment", o.clip_l14);
  add("video_text_alignment", o.viclip);
  add("pickscore", o.pickscore);
  if (o.vlm) models["vlm"] = o.vlm->model + " at " + o.vlm->endpoint + ", " + std::to_string(o.judge.frames) +
                             " frames of source and edit, at most " + std::to_string(o.judge.max_side) + " px";
  return {
      {"models", models},
      {"frames",
       {{"consistency", "every decoded frame"}, {"frame_text_alignment", "every frame"},
        {"video_text_alignment", "8 frames at floor(i*N/8)"}, {"pickscore", "every frame"}}},
      {"resolution",
       {{"vbench_subject_consistency", "shorter side 224, bilinear, no antialiasing, no crop, ImageNet mean/std"},
        {"vbench_background_consistency", "shorter side S, bicubic, no antialiasing, centre crop S, CLIP mean/std"},
        {"editverse_dino_consistency", "shorter side 256, bicubic, centre crop 224, ImageNet mean/std"},
        {"editverse_clip_consistency", "CLIP processor: shorter side S, bicubic, centre crop S"},
        {"frame_text_alignment", "CLIP processor: shorter side S, bicubic, centre crop S"},
        {"video_text_alignment", "shorter side S, bicubic, centre crop S, CLIP mean/std (InternVideo clip_image_transform)"},
        {"pickscore", "longer side capped at 672, then the CLIP processor at S"},
        {"S", "the CLIP or ViCLIP model's own image size: 224 for the released models"}}},
      {"caption", "the manifest's target_caption (text metrics skip rows without one)"},
  };
}

}  // namespace

VideoBenchReport run_video_bench(const VideoBenchOptions& o) {
  if (o.dino.empty() && o.clip_b32.empty() && o.dinov2.empty() && o.clip_l14.empty() && o.viclip.empty() &&
      o.pickscore.empty() && !o.vlm)
    throw Error("viva eval bench",
                "no metric model given (--dino, --clip-b32, --dinov2, --clip-l14, --viclip, --pickscore, --vlm-endpoint)");
  const Manifest manifest = read_manifest(o.manifest);
  if (!fs::is_directory(o.predictions)) throw file_error(o.predictions, "is not a folder of predictions");
  fs::create_directories(o.out);
  VideoBenchReport report;
  report.problems = manifest.problems;
  BenchModels models(o);

  const std::string results = (fs::path(o.out) / "per_video.jsonl").string();
  const auto earlier = earlier_results(results);
  // An earlier line counts only if the same models scored it (a run with other or more models
  // scores the video again; its new line then wins).
  const nlohmann::ordered_json models_used = provenance(o)["models"];
  std::vector<const ManifestRow*> rows;
  for (const ManifestRow& row : manifest.rows)
    if ((o.split.empty() || row.split == o.split) &&
        (o.only_ids.empty() || std::find(o.only_ids.begin(), o.only_ids.end(), row.id) != o.only_ids.end()))
      rows.push_back(&row);
  std::ofstream log(results, std::ios::app);
  std::vector<nlohmann::ordered_json> lines;
  Progress progress("scoring videos", static_cast<int64_t>(rows.size()), ProgressOptions(o.progress).set_unit("video"));
  for (const ManifestRow* row : rows) {
    if (const auto it = earlier.find(row->id); it != earlier.end() && it->second.value("models", nlohmann::ordered_json()) == models_used) {
      lines.push_back(it->second);
      ++report.resumed;
      progress.advance();
      continue;
    }
    const std::string prediction = find_prediction(o.predictions, row->id);
    if (prediction.empty()) {
      report.missing.push_back(row->id);
      progress.advance();
      continue;
    }
    try {
      const VideoFrames video = read_video(prediction);
      nlohmann::ordered_json line = {{"id", row->id},        {"task", row->task},   {"prediction", prediction},
                                     {"frames", video.frames}, {"height", video.height}, {"width", video.width},
                                     {"caption", row->target_caption}, {"models", models_used}};
      line["metrics"] = score_video(models, video, row->target_caption);
      if (models.judge) {
        VlmEvalItem item;
        item.id = row->id;
        item.prediction = prediction;
        judge_prediction(*models.judge, *row, o.judge, item);
        if (!item.ok) throw Error("the VLM judge", item.error);
        nlohmann::ordered_json vlm = {{"instruction_following", item.scores.instruction_following},
                                      {"source_preservation", item.scores.source_preservation},
                                      {"edit_quality", item.scores.edit_quality}};
        if (item.scores.subject_similarity) vlm["subject_similarity"] = *item.scores.subject_similarity;
        line["metrics"]["vlm"] = vlm;
      }
      log << line.dump() << "\n" << std::flush;  // a kill loses at most this video
      lines.push_back(line);
      ++report.scored;
    } catch (const std::exception& e) {
      report.failed.push_back({row->id, e.what()});
    }
    progress.advance();
  }
  progress.finish();

  report.table = {{"manifest", fs::absolute(o.manifest).string()},
                  {"predictions", fs::absolute(o.predictions).string()},
                  {"scored", lines.size()},
                  {"missing", report.missing.size()},
                  {"failed", report.failed.size()}};
  report.table.update(provenance(o));
  report.table["rows"] = aggregate(lines);
  write_video_bench_table(report.table, o.out);
  return report;
}

void write_video_bench_table(const nlohmann::ordered_json& table, const std::string& out) {
  write_file_atomically((fs::path(out) / "table.json").string(), table.dump(2) + "\n");
  write_file_atomically((fs::path(out) / "table.md").string(), video_bench_markdown(table));
}

std::string video_bench_markdown(const nlohmann::ordered_json& table) {
  const std::vector<std::string> columns = present_columns(table["rows"]);
  std::string out = table_head(columns, "");
  for (const auto& row : table["rows"]) {
    out += "| " + row["category"].get<std::string>() + " | " + std::to_string(row["videos"].get<int64_t>()) + " |";
    for (const auto& c : columns) {
      char cell[32] = " - ";
      if (row.contains(c))
        std::snprintf(cell, sizeof cell, " %.2f ", row[c].get<double>() * (is_consistency(c) ? 100.0 : 1.0));
      out += std::string(cell) + "|";
    }
    out += "\n";
  }
  return out;
}

VideoBenchComparison compare_video_bench(VideoBenchOptions o, const std::string& a, const std::string& b) {
  const Manifest manifest = read_manifest(o.manifest);
  for (const std::string& folder : {a, b})
    if (!fs::is_directory(folder)) throw file_error(folder, "is not a folder of predictions");
  o.only_ids.clear();
  for (const ManifestRow& row : manifest.rows)
    if (!find_prediction(a, row.id).empty() && !find_prediction(b, row.id).empty()) o.only_ids.push_back(row.id);
  if (o.only_ids.empty()) throw Error("viva eval bench --compare", a + " and " + b + " have no row's prediction in common");
  VideoBenchComparison result;
  const std::string out = o.out;
  for (auto [folder, name, report] : {std::tuple{a, "a", &result.a}, std::tuple{b, "b", &result.b}}) {
    o.predictions = folder;
    o.out = (fs::path(out) / name).string();
    *report = run_video_bench(o);
  }
  // Each cell "A / B", over the same rows, category by category.
  const std::vector<std::string> columns = present_columns(result.a.table["rows"]);
  std::string& md = result.markdown;
  md = "A = " + a + ", B = " + b + " (" + std::to_string(o.only_ids.size()) + " rows both have)\n\n" +
       table_head(columns, " A / B");
  for (const auto& row_a : result.a.table["rows"]) {
    const auto row_b = std::find_if(result.b.table["rows"].begin(), result.b.table["rows"].end(),
                                    [&](const auto& r) { return r["category"] == row_a["category"]; });
    md += "| " + row_a["category"].get<std::string>() + " | " + std::to_string(row_a["videos"].get<int64_t>()) + " |";
    for (const auto& c : columns) {
      const double scale = is_consistency(c) ? 100.0 : 1.0;
      char cell[64] = " - |";
      if (row_a.contains(c) && row_b != result.b.table["rows"].end() && row_b->contains(c))
        std::snprintf(cell, sizeof cell, " %.2f / %.2f |", row_a[c].get<double>() * scale, (*row_b)[c].get<double>() * scale);
      md += cell;
    }
    md += "\n";
  }
  write_file_atomically((fs::path(out) / "compare.md").string(), md);
  return result;
}

}  // namespace viva
