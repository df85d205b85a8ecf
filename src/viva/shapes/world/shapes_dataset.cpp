#include "viva/shapes/world/shapes_dataset.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/data/manifest.h"
#include "viva/io/image.h"
#include "viva/io/video_writer.h"

namespace viva::shapes {
namespace fs = std::filesystem;
namespace {

constexpr int kFormatVersion = 1;
const char* const kSplits[] = {"train", "validation", "test", "hybrid"};

struct PairRecord {
  ManifestRow row;
  bool grpo = false;
  bool resumed = false;
  std::array<int64_t, kRejectionKinds> rejections{};
};

nlohmann::json generation_json(const ShapesDatasetOptions& o) {
  return {{"generator", "viva data shapes"},
          {"version", kFormatVersion},
          {"count", o.count},
          {"seed", o.pairs.seed},
          {"width", o.pairs.width},
          {"height", o.pairs.height},
          {"frames", o.pairs.frames},
          {"fps", o.pairs.fps},
          {"image_fraction", o.pairs.image_fraction},
          {"video_styles", o.pairs.video_styles},
          {"edits_per_scene", o.pairs.edits_per_scene}};
}

// Fresh folder, or the resumption of an interrupted run with the same options.
void prepare_folder(const ShapesDatasetOptions& options) {
  const fs::path out(options.out);
  const fs::path generation = out / "generation.json";
  if (fs::exists(out / "manifest.jsonl"))
    throw file_error(options.out,
                     "already holds a finished dataset (manifest.jsonl); remove it or choose another --out");
  if (fs::exists(generation)) {
    nlohmann::json previous;
    try {
      previous = nlohmann::json::parse(read_file(generation.string()));
    } catch (const nlohmann::json::exception& e) {
      throw file_error(generation.string(), std::string("not valid JSON: ") + e.what());
    }
    if (previous != generation_json(options))
      throw file_error(generation.string(), "an interrupted run with other options (" + previous.dump() +
                                                "); rerun with those to resume, or choose another --out");
    // Temporary files of the interrupted run are incomplete by definition.
    for (const char* sub : {"media", "scenes"})
      if (fs::is_directory(out / sub))
        for (const auto& e : fs::directory_iterator(out / sub))
          if (e.path().filename().string().find(".tmp-") != std::string::npos) fs::remove_all(e.path());
  } else if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out))) {
    throw file_error(options.out, "exists and is not an empty folder or an interrupted ShapesWorld run");
  }
  fs::create_directories(out / "media");
  fs::create_directories(out / "scenes");
  if (!fs::exists(generation)) write_file_atomically(generation.string(), generation_json(options).dump(2) + "\n");
}

Image first_frame(const VideoFrames& video) {
  Image image(video.width, video.height);
  std::copy(video.pixels.begin(), video.pixels.begin() + static_cast<std::ptrdiff_t>(video.frame_bytes()),
            image.rgb.begin());
  return image;
}

void write_media(const std::string& path, const VideoFrames& video, SampleKind kind) {
  if (kind == SampleKind::Image)
    write_image(path, first_frame(video));
  else
    write_video(path, video);
}

nlohmann::json scene_record(const std::string& id, const ShapesPair& pair) {
  nlohmann::json ops = nlohmann::json::array();
  for (const EditOperation& op : pair.operations) ops.push_back(to_json(op, pair.source.width, pair.source.height));
  nlohmann::json j = {{"id", id},
                      {"task", pair.task},
                      {"kind", kind_name(pair.kind)},
                      {"split", name_of(pair.split)},
                      {"instruction", pair.instruction},
                      {"operations", ops},
                      {"source_scene", to_json(pair.source)},
                      {"target_scene", to_json(pair.target)}};
  for (const EditOperation& op : pair.operations)
    if (op.from_reference) j["reference_object"] = to_json(op.object, pair.source.width, pair.source.height);
  return j;
}

PairRecord make_pair(int64_t index, const ShapesDatasetOptions& options) {
  const GeneratedPair generated = generate_pair(index, options.pairs);
  const ShapesPair& pair = generated.pair;
  const std::string id = pair_id(index);
  const fs::path media = fs::path(options.out) / "media";
  const std::string ext = pair.kind == SampleKind::Image ? ".png" : options.video_extension;
  PairRecord record;
  record.rejections = generated.rejections;
  ManifestRow& row = record.row;
  row.id = id;
  row.kind = pair.kind;
  row.task = pair.task;
  row.source = (media / (id + "_source" + ext)).string();
  row.target = (media / (id + "_target" + ext)).string();
  row.mask = (media / (id + "_mask" + ext)).string();
  if (pair.reference) row.reference = (media / (id + "_reference.png")).string();
  row.instruction = pair.instruction;
  row.source_caption = pair.source_caption;
  row.target_caption = pair.target_caption;
  row.split = name_of(pair.split);
  record.grpo = pair.kind == SampleKind::Video;

  // The scene file is written last: it marks the pair complete for a resumed run.
  const std::string scene_path = (fs::path(options.out) / "scenes" / (id + ".json")).string();
  const bool complete = fs::exists(scene_path) && fs::exists(row.source) && fs::exists(row.target) &&
                        fs::exists(row.mask) && (row.reference.empty() || fs::exists(row.reference));
  if (complete) {
    record.resumed = true;
    return record;
  }
  for (const std::string& path : {row.source, row.target, row.mask})
    if (fs::exists(path)) fs::remove_all(path);
  write_media(row.source, pair.source_video, pair.kind);
  write_media(row.target, pair.target_video, pair.kind);
  write_media(row.mask, pair.mask, pair.kind);
  if (pair.reference) write_image(row.reference, *pair.reference);
  write_file_atomically(scene_path, scene_record(id, pair).dump() + "\n");
  return record;
}

// Runs make_pair for every index on `jobs` threads; the first error stops the others.
std::vector<PairRecord> make_all_pairs(const ShapesDatasetOptions& options) {
  std::vector<PairRecord> records(static_cast<std::size_t>(options.count));
  std::atomic<int64_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  int jobs = options.jobs > 0 ? options.jobs : 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  jobs = static_cast<int>(std::min<int64_t>(jobs, std::max<int64_t>(1, options.count)));
  auto worker = [&] {
    for (int64_t i; !failed && (i = next++) < options.count;) {
      try {
        records[static_cast<std::size_t>(i)] = make_pair(i, options);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
      ++done;
    }
  };
  Progress progress("shapes", options.count, ProgressOptions().set_mode(options.progress).set_unit("pairs"));
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  while (done < options.count && !failed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    progress.update(done);
  }
  for (std::thread& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  progress.update(done);
  progress.finish();
  return records;
}

void write_grpo(const std::string& path, const std::vector<PairRecord>& records) {
  const fs::path folder = fs::absolute(path).parent_path();
  auto relative = [&](const std::string& p) {
    return p.empty() ? p : fs::absolute(p).lexically_relative(folder).string();
  };
  std::string text;
  for (const PairRecord& r : records) {
    if (!r.grpo) continue;
    nlohmann::json j = {{"id", r.row.id},
                        {"source", relative(r.row.source)},
                        {"source_caption", r.row.source_caption},
                        {"target_caption", r.row.target_caption},
                        {"instruction", r.row.instruction},
                        {"split", r.row.split}};
    if (!r.row.reference.empty()) j["reference"] = relative(r.row.reference);
    text += j.dump() + "\n";
  }
  write_file_atomically(path, text);
}

}  // namespace

std::string pair_id(int64_t index) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "shapes-%06lld", static_cast<long long>(index));
  return buffer;
}

ShapesDatasetSummary write_shapes_dataset(const ShapesDatasetOptions& options) {
  if (options.out.empty()) throw Error("ShapesWorld: no output folder given");
  if (options.count <= 0) throw Error("ShapesWorld: the number of pairs must be positive");
  const PairGeneratorOptions& p = options.pairs;
  // Below 48 pixels small objects are a few pixels wide and the oracle judge stops being exact
  // (measured: 100% of target clips parsed exactly at 64x64 and up, 99% at 48x48, 71% at 32x32).
  if (p.width < 48 || p.height < 48) throw Error("ShapesWorld: frames must be at least 48x48 pixels");
  if (p.frames < 2) throw Error("ShapesWorld: video pairs need at least 2 frames (image pairs are --image-fraction)");
  if (!(p.fps > 0)) throw Error("ShapesWorld: the frame rate must be positive");
  if (p.image_fraction < 0 || p.image_fraction > 1) throw Error("ShapesWorld: the image fraction must be within 0..1");
  if (p.edits_per_scene < 1) throw Error("ShapesWorld: edits per scene must be at least 1");
  const auto start = std::chrono::steady_clock::now();
  prepare_folder(options);
  const std::vector<PairRecord> records = make_all_pairs(options);

  ShapesDatasetSummary summary;
  std::vector<ManifestRow> rows;
  for (const PairRecord& r : records) {
    rows.push_back(r.row);
    ++summary.pairs;
    summary.resumed += r.resumed ? 1 : 0;
    ++summary.counts[r.row.task][kind_name(r.row.kind)][r.row.split];
    for (int k = 0; k < kRejectionKinds; ++k)
      if (r.rejections[static_cast<std::size_t>(k)])
        summary.rejections[name_of(static_cast<Rejection>(k))] += r.rejections[static_cast<std::size_t>(k)];
  }
  const fs::path out(options.out);
  write_grpo((out / "grpo.jsonl").string(), records);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.manifest = (out / "manifest.jsonl").string();
  nlohmann::json summary_json = to_json(summary);
  summary_json["options"] = generation_json(options);
  write_file_atomically((out / "summary.json").string(), summary_json.dump(2) + "\n");
  write_manifest(summary.manifest, rows);
  return summary;
}

std::string summary_table(const ShapesDatasetSummary& s) {
  std::string text =
      "| task | kind | train | validation | test | hybrid | total |\n|---|---|---:|---:|---:|---:|---:|\n";
  std::map<std::string, int64_t> column_totals;
  char line[256];
  for (const auto& [task, kinds] : s.counts)
    for (const auto& [kind, splits] : kinds) {
      int64_t total = 0;
      std::string cells;
      for (const char* split : kSplits) {
        const auto it = splits.find(split);
        const int64_t n = it == splits.end() ? 0 : it->second;
        total += n;
        column_totals[split] += n;
        cells += " " + std::to_string(n) + " |";
      }
      std::snprintf(line, sizeof line, "| %s | %s |%s %lld |\n", task.c_str(), kind.c_str(), cells.c_str(),
                    static_cast<long long>(total));
      text += line;
    }
  std::string cells;
  int64_t total = 0;
  for (const char* split : kSplits) {
    cells += " " + std::to_string(column_totals[split]) + " |";
    total += column_totals[split];
  }
  std::snprintf(line, sizeof line, "| **all** | |%s %lld |\n", cells.c_str(), static_cast<long long>(total));
  return text + line;
}

nlohmann::json to_json(const ShapesDatasetSummary& s) {
  nlohmann::json held_out = nlohmann::json::array();
  for (const auto& [colour, shape] : held_out_combinations()) held_out.push_back({name_of(colour), name_of(shape)});
  return {{"pairs", s.pairs},   {"resumed", s.resumed},       {"seconds", s.seconds},
          {"counts", s.counts}, {"rejections", s.rejections}, {"held_out_test_combinations", held_out}};
}

}  // namespace viva::shapes
