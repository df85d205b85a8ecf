#include "viva/shapes/recipe/shapes_recipe.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <tuple>
#include <vector>

#include "viva/core/atomic_file.h"
#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/core/jsonl_log.h"
#include "viva/eval/flow_loss_report.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/encode_dataset.h"
#include "viva/pipeline/model_folder.h"
#include "viva/pipeline/model_init.h"
#include "viva/shapes/recipe/ablation_table.h"
#include "viva/shapes/recipe/edit_and_judge.h"
#include "viva/shapes/world/shapes_dataset.h"
#include "viva/train/clip_trainer.h"
#include "viva/train/grpo_trainer.h"
#include "viva/train/sft_trainer.h"
#include "viva/train/text_to_video_init.h"
#include "viva/train/train_checkpoint.h"
#include "viva/train/vae_trainer.h"
#include "viva/train/vlm_trainer.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

// A stage that was interrupted (a trainer stopped on a signal): the recipe stops and resumes later.
struct Interrupted {
  std::string stage;
};

class Recipe {
 public:
  Recipe(const ShapesRecipeOptions& options, ShapesRecipePlan plan)
      : o_(options), plan_(std::move(plan)), log_((fs::path(options.out) / "recipe.jsonl").string()) {}

  std::string dir(const std::string& stage) const { return (fs::path(o_.out) / stage).string(); }
  const ShapesRecipePlan& plan() const { return plan_; }
  const ShapesRecipeOptions& options() const { return o_; }
  ProgressOptions progress() const { return o_.progress; }

  // Runs `body` unless the stage's card exists; times it (over resumed runs too) and writes the card.
  template <class Body>
  ModelCard stage(const std::string& name, Body body) {
    if (std::optional<ModelCard> card = read_model_card(dir(name))) {
      std::printf("recipe: %s done (%.1f min), skipped\n", name.c_str(), card->wall_seconds / 60.0);
      log_.write("stage_skipped", {{"stage", name}});
      cards_.push_back(*card);
      return *card;
    }
    std::printf("recipe: %s ...\n", name.c_str());
    std::fflush(stdout);
    log_.write("stage_start", {{"stage", name}});
    fs::create_directories(dir(name));
    const std::string clock = (fs::path(dir(name)) / "wall_seconds.txt").string();
    double before = 0;
    if (std::ifstream in(clock); in) in >> before;
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    ModelCard card;
    try {
      card = body();
    } catch (const Interrupted&) {
      write_file_atomically(clock, std::to_string(elapsed()) + "\n");
      log_.write("stage_interrupted", {{"stage", name}, {"wall_seconds", elapsed()}});
      throw;
    } catch (const std::exception& e) {
      write_file_atomically(clock, std::to_string(elapsed()) + "\n");
      log_.write("stage_failed", {{"stage", name}, {"error", e.what()}});
      throw;
    }
    card.stage = name;
    card.wall_seconds = elapsed();
    write_model_card(dir(name), card);
    fs::remove(clock);
    log_.write("stage_finished", {{"stage", name}, {"wall_seconds", card.wall_seconds}, {"steps", card.steps},
                                  {"metrics", card.metrics}});
    std::printf("recipe: %s finished in %.1f min\n", name.c_str(), card.wall_seconds / 60.0);
    cards_.push_back(card);
    return card;
  }

  // Records the config a stage's trainer runs as DIR/<folder>/config.json (`viva train` reads it
  // as it is, to run the stage by hand).
  void record_config(const std::string& folder, const nlohmann::json& config) const {
    fs::create_directories(dir(folder));
    write_file_atomically((fs::path(dir(folder)) / "config.json").string(), config.dump(2) + "\n");
  }

  std::vector<ModelCard> cards_;

 private:
  const ShapesRecipeOptions& o_;
  ShapesRecipePlan plan_;
  JsonlLog log_;
};

// A stage's training run: resumed when its folder holds a checkpoint, with the recipe's progress.
TrainRunOptions run_of(const Recipe& r, const std::string& out) {
  TrainRunOptions run;
  run.resume = TrainCheckpoints(out, 1).latest().has_value();
  run.progress = r.progress();
  return run;
}

// first_<figure> and last_<figure> of a run's first and last steps (none when it made no step,
// e.g. a VAE trained elsewhere and only measured here).
void add_first_and_last(nlohmann::json& metrics, const TrainResult& result, const std::string& figure) {
  if (!result.first_step.contains(figure)) return;
  metrics["first_" + figure] = result.first(figure);
  metrics["last_" + figure] = result.last(figure);
}

std::string rel(const Recipe& r, const std::string& path) {
  return fs::path(path).lexically_relative(r.options().out).string();
}

// Tokenizers for model init: the llama3/ + clip/ layout, or a model folder's own files (copied
// into that layout under the recipe folder).
std::string tokenizer_folder(const Recipe& r) {
  const fs::path given(r.options().tokenizers);
  if (!fs::exists(given / "viva.json")) return given.string();
  const ModelFolder model(given.string());
  const fs::path out = fs::path(r.dir("init")) / "tokenizers";
  fs::create_directories(out / "llama3");
  fs::create_directories(out / "clip");
  fs::copy_file(model.tokenizer_path(), out / "llama3" / "tokenizer.json", fs::copy_options::overwrite_existing);
  fs::copy_file(model.clip_tokenizer_path(), out / "clip" / "bpe_simple_vocab_16e6.txt.gz",
                fs::copy_options::overwrite_existing);
  return out.string();
}

ModelCard data_stage(Recipe& r) {
  return r.stage("data", [&] {
    const ShapesRecipePlan::Data& p = r.plan().data;
    auto generate = [&](const std::string& folder, int64_t count, bool video_styles) {
      if (fs::exists(fs::path(folder) / "manifest.jsonl")) return shapes::ShapesDatasetSummary{};
      shapes::ShapesDatasetOptions d;
      d.out = folder;
      d.count = count;
      d.pairs.seed = p.seed + (video_styles ? 1000 : 0);
      d.pairs.width = d.pairs.height = p.size;
      d.pairs.frames = p.frames;
      d.pairs.image_fraction = p.image_fraction;
      d.pairs.video_styles = video_styles;
      d.pairs.edits_per_scene = video_styles ? 1 : p.edits_per_scene;
      d.progress = r.progress().mode;
      return shapes::write_shapes_dataset(d);
    };
    const auto main = generate(r.dir("data"), p.pairs, false);
    generate(r.dir("data_probe"), p.probe_pairs, true);
    ModelCard card;
    card.title = "ShapesWorld pairs and the video-stylisation probe set";
    card.result = "data";
    card.config = {{"pairs", p.pairs},   {"seed", p.seed},         {"size", p.size},
                   {"frames", p.frames}, {"image_fraction", p.image_fraction}, {"probe_pairs", p.probe_pairs},
                   {"edits_per_scene", p.edits_per_scene}};
    card.data = {{"manifest", "data/manifest.jsonl"}, {"probe", "data_probe/manifest.jsonl"}};
    if (main.pairs > 0) card.metrics = {{"pairs", main.pairs}};
    if (main.pairs > 0) card.data["counts"] = shapes::to_json(main).at("counts");
    return card;
  });
}

ModelCard init_stage(Recipe& r) {
  return r.stage("init", [&] {
    ModelInitOptions m;
    m.preset = r.plan().init.preset;
    m.seed = r.plan().init.seed;
    m.tokenizers = tokenizer_folder(r);
    const std::string model = (fs::path(r.dir("init")) / "model").string();
    if (fs::exists(model)) fs::remove_all(model);
    write_initial_model(model, m);
    ModelCard card;
    card.title = "freshly initialised model (" + m.preset + " preset)";
    card.result = rel(r, model);
    card.config = {{"preset", m.preset}, {"seed", m.seed}};
    return card;
  });
}

std::string manifest(const Recipe& r) { return (fs::path(r.dir("data")) / "manifest.jsonl").string(); }
std::string model_of(const Recipe& r, const std::string& stage, const std::string& sub = "model") {
  return (fs::path(r.dir(stage)) / sub).string();
}

[[noreturn]] void interrupted(const std::string& stage) { throw Interrupted{stage}; }

// The plan's config for a stage that trains a model folder's component on the manifest, with the
// stage's paths, recorded as DIR/<stage>/config.json.
template <class Config>
Config manifest_trainer(const Recipe& r, const std::string& stage, Config config, const std::string& model) {
  config.model = model;
  config.manifest = manifest(r);
  config.out = r.dir(stage);
  r.record_config(stage, config.to_json());
  return config;
}

ModelCard vae_stage(Recipe& r) {
  return r.stage("vae", [&] {
    const VaeTrainConfig config = manifest_trainer(r, "vae", r.plan().vae, model_of(r, "init"));
    const TrainResult v = train_vae(config, run_of(r, config.out));
    if (!v.finished) interrupted("vae");
    ModelCard card;
    card.title = "causal 3D VAE trained on ShapesWorld clips";
    card.result = rel(r, v.output);
    card.config = config.to_json();
    card.data = {{"manifest", rel(r, manifest(r))}, {"split", config.split}, {"max_clips", config.max_clips}};
    card.metrics = {{"train_psnr_db", v.report.at("psnr_db")}, {"heldout_psnr_db", v.report.at("heldout_psnr_db")},
                    {"heldout_clips", v.report.at("heldout_clips")}, {"scaling_factor", v.report.at("scaling_factor")}};
    add_first_and_last(card.metrics, v, "loss");
    card.steps = v.end_step;
    return card;
  });
}

ModelCard vlm_stage(Recipe& r) {
  return r.stage("vlm", [&] {
    const VlmTrainConfig config = manifest_trainer(r, "vlm", r.plan().vlm, model_of(r, "vae"));
    const TrainResult v = train_vlm(config, run_of(r, config.out));
    if (!v.finished) interrupted("vlm");
    ModelCard card;
    card.title = "LLaVA VLM (vision tower + projector + Llama decoder) trained to describe frames";
    card.result = rel(r, v.output);
    card.config = config.to_json();
    card.data = {{"manifest", rel(r, manifest(r))}, {"heldout_split", v.report.at("heldout_split")}};
    card.metrics = {{"heldout_loss", v.report.at("heldout_loss")},
                    {"heldout_token_accuracy", v.report.at("heldout_token_accuracy")},
                    {"heldout_items", v.report.at("heldout_items")}};
    add_first_and_last(card.metrics, v, "loss");
    card.steps = v.end_step;
    return card;
  });
}

ModelCard clip_stage(Recipe& r, const std::string& name) {
  return r.stage(name, [&] {
    ClipTrainConfig config = name == "clip" ? r.plan().clip : r.plan().pickscore;
    config.manifest = manifest(r);
    config.out = r.dir(name);
    if (name == "pickscore") config.init = model_of(r, "clip");
    else config.merges = ModelFolder(model_of(r, "init")).clip_tokenizer_path();
    r.record_config(name, config.to_json());
    const TrainResult c = train_clip(config, run_of(r, config.out));
    if (!c.finished) interrupted(name);
    ModelCard card;
    card.title = name == "clip" ? "contrastive CLIP for rewards and metrics"
                                : "PickScore-like preference model (CLIP fine-tuned on clean vs degraded frames)";
    card.result = rel(r, c.output);
    card.config = config.to_json();
    card.data = {{"manifest", rel(r, manifest(r))}, {"heldout_split", c.report.at("heldout_split")}};
    card.metrics = {{name == "clip" ? "heldout_text_to_clip_top1" : "heldout_preference_accuracy",
                     c.report.at("heldout_accuracy")},
                    {"heldout_items", c.report.at("heldout_items")}};
    add_first_and_last(card.metrics, c, "loss");
    card.steps = c.end_step;
    return card;
  });
}

// A DiT stage's SFT run: its config and result.
struct DitRun {
  SftConfig config;
  TrainResult result;
};

// Encodes a cache (resumable) and trains the DiT on it with the SFT loss, with the plan's
// settings changed by `adjust` when given. `shared_cache`: an existing cache to train on
// instead of encoding one.
DitRun encode_and_train(Recipe& r, const std::string& folder, const std::string& model, bool text_to_video,
                        const ShapesRecipePlan::Dit& plan, const std::function<void(SftConfig&)>& adjust = {},
                        const std::string& shared_cache = "") {
  EncodeDatasetOptions e;
  e.manifest = manifest(r);
  e.out = shared_cache.empty() ? (fs::path(r.dir(folder)) / "cache").string() : shared_cache;
  e.split = "train";
  e.max_rows = plan.max_rows;
  e.text_to_video = text_to_video;
  e.progress = r.progress();
  const std::string done_marker = e.out + "/complete";
  if (!fs::exists(done_marker)) {
    VivaPipeline pipeline(model, torch::Device(r.options().device), torch::kFloat32, PipelineParts::encoders_and_vae());
    const EncodeSummary s = encode_dataset(pipeline, e);
    if (s.encoded + s.already_cached == 0) throw file_error(e.manifest, "no training sample could be encoded");
    write_file_atomically(done_marker, std::to_string(s.encoded + s.already_cached) + "\n");
  }
  DitRun run{plan.train, {}};
  if (adjust) adjust(run.config);
  run.config.model = model;
  run.config.cache = e.out;
  run.config.out = (fs::path(r.dir(folder)) / "run").string();
  r.record_config(folder, run.config.to_json());
  run.result = train_sft(run.config, run_of(r, run.config.out));
  if (!run.result.finished) interrupted(folder);
  return run;
}

ModelCard dit_card(const Recipe& r, const std::string& title, const DitRun& run) {
  ModelCard card;
  card.title = title;
  card.result = rel(r, run.result.output);
  card.config = run.config.to_json();
  card.data = {{"cache", rel(r, run.config.cache)}, {"samples", ConditionCache(run.config.cache).size()}};
  add_first_and_last(card.metrics, run.result, "loss");
  card.steps = run.result.end_step;
  return card;
}

ModelCard t2v_stage(Recipe& r) {
  return r.stage("t2v", [&] {
    const std::string init = (fs::path(r.dir("t2v")) / "init").string();
    const nlohmann::json& architecture = r.plan().t2v.transformer;
    if (!fs::exists(init)) write_text_to_video_model(model_of(r, "vlm"), init, r.plan().init.seed, architecture);
    const DitRun run = encode_and_train(r, "t2v", init, true, r.plan().t2v);
    ModelCard card = dit_card(r, "text-to-video DiT on the VLM's text-only states of the captions", run);
    if (!architecture.empty()) card.config["transformer"] = architecture;
    return card;
  });
}

// The editor every SFT variant starts from: the text-to-video DiT with the [I | 0] projector.
std::string editor_init(Recipe& r) {
  const std::string init = (fs::path(r.dir("sft")) / "init").string();
  if (!fs::exists(init)) write_editor_from_text_to_video(model_of(r, "t2v", "run/model"), init);
  return init;
}

ModelCard sft_stage(Recipe& r) {
  return r.stage("sft", [&] {
    const DitRun run = encode_and_train(r, "sft", editor_init(r), false, r.plan().sft);
    return dit_card(r, "VIVA SFT: masked rectified-flow loss, image and video pairs", run);
  });
}

// The SFT model with the LoRA merged into the transformer.
void write_merged_model(const std::string& model, const std::string& lora, const std::string& out) {
  VivaPipeline pipeline(model, torch::kCPU, torch::kFloat32, PipelineParts::transformer_only());
  pipeline.apply_lora(lora);
  pipeline.model().write_with_component(ModelComponent::Transformer, out, [&](const std::string& weights) {
    save_parameters(*pipeline.transformer(), weights);
  });
}

ModelCard grpo_stage(Recipe& r) {
  return r.stage("grpo", [&] {
    GrpoConfig config = r.plan().grpo;
    config.model = model_of(r, "sft", "run/model");
    config.prompts = (fs::path(r.dir("data")) / "grpo.jsonl").string();
    config.out = r.dir("grpo");
    config.rewards.clip = model_of(r, "clip");
    config.rewards.pickscore = model_of(r, "pickscore");
    r.record_config("grpo", config.to_json());
    const TrainResult g = train_grpo(config, run_of(r, config.out));
    if (!g.finished) interrupted("grpo");
    const std::string final_model = (fs::path(r.options().out) / "model").string();
    write_merged_model(config.model, g.output, final_model);
    ModelCard card;
    card.title = "Edit-GRPO LoRA (merged into model/)";
    card.result = "model";
    card.config = config.to_json();
    card.data = {{"prompts", "data/grpo.jsonl"}, {"split", config.split}};
    card.metrics = {{"max_kl", g.report.at("max_kl")}};
    add_first_and_last(card.metrics, g, "reward");
    card.steps = g.end_step;
    return card;
  });
}

// A model on the test and hybrid splits and the probe set; the reports by role. `vae_ceiling`:
// the targets through the model's VAE instead of edits (EditAndJudgeOptions::vae_ceiling).
// `more`: also the first rows of the train split, which SFT trained on (how well it fits them), and
// of the validation split: unseen scenes with every kind of edit, the scene-wide ones (background,
// weather, style) included, which the test split (held-out colour x shape combinations) lacks.
nlohmann::json evaluate(Recipe& r, const std::string& model, const std::string& out, bool vae_ceiling = false,
                        bool more = false) {
  const ShapesRecipePlan::Eval& p = r.plan().eval;
  std::vector<std::tuple<const char*, const char*, const char*>> roles = {
      {"test", "data", "test"}, {"hybrid", "data", "hybrid"}, {"probe", "data_probe", ""}};
  if (more) {
    roles.insert(roles.begin(), {"train", "data", "train"});
    roles.push_back({"validation", "data", "validation"});
  }
  nlohmann::json reports = nlohmann::json::object();
  for (const auto& [role, data, split] : roles) {
    EditAndJudgeOptions e;
    e.model = model;
    e.manifest = (fs::path(r.dir(data)) / "manifest.jsonl").string();
    e.split = split;
    e.out = out;
    e.max_rows = p.max_rows;
    e.steps = p.steps;
    e.guidance = p.guidance;
    e.device = r.options().device;
    e.vae_ceiling = vae_ceiling;
    e.progress = r.progress();
    reports[role] = edit_and_judge(e);
  }
  return reports;
}

nlohmann::json headline(const nlohmann::json& reports) {
  nlohmann::json h = nlohmann::json::object();
  for (const auto& [role, report] : reports.items()) {
    const nlohmann::json& all = report.at("all");
    h[role] = {{"clips", all.at("clips")}, {"followed_share", all.at("followed_share")},
               {"psnr_outside_mask", all.at("psnr_outside_mask")}, {"artefact", all.at("artefact")}};
  }
  return h;
}

// The final DiT's flow loss on the judged test rows, with and without the instruction and beside
// copying the source (flow_loss_report.h): whether the editor reads its instruction at all.
// Writes eval/test_flow_loss.md and .json; returns the row at sigma 0.95, where sampling decides
// the edit (below it the noisy latent already shows the answer), or null without test rows.
nlohmann::json test_flow_loss(Recipe& r, const std::string& model) {
  EncodeDatasetOptions e;
  e.manifest = manifest(r);
  e.out = (fs::path(r.dir("eval")) / "test_cache").string();
  e.split = "test";
  e.max_rows = r.plan().eval.max_rows;
  e.progress = r.progress();
  VivaPipeline pipeline(model, torch::Device(r.options().device), torch::kFloat32);
  encode_dataset(pipeline, e);
  const ConditionCache cache(e.out);
  if (cache.size() == 0) return nullptr;  // a plan too small to have test rows
  FlowLossOptions o;
  o.sigmas = {0.2, 0.5, 0.8, 0.95, 1.0};
  const FlowLossReport report = measure_flow_loss(pipeline, cache, o);
  const fs::path out = fs::path(r.dir("eval")) / "test_flow_loss";
  write_file_atomically(out.string() + ".md", "# Flow loss of the final model on the test rows\n\n" + report.table());
  write_file_atomically(out.string() + ".json", report.to_json().dump(2) + "\n");
  const FlowLossRow& row = report.rows[3];
  return {{"sigma", row.sigma},
          {"inside", row.model_inside},
          {"inside_without_instruction", row.unconditional_inside},
          {"outside", row.model_outside},
          {"outside_copying_source", row.copy_outside}};
}

ModelCard eval_stage(Recipe& r) {
  return r.stage("eval", [&] {
    const std::string model = (fs::path(r.options().out) / "model").string();
    const nlohmann::json reports = evaluate(r, model, r.dir("eval"), /*vae_ceiling=*/false, /*more=*/true);
    ModelCard card;
    card.title = "the final model judged by the oracle on the test, hybrid and probe sets (and train and validation rows)";
    card.result = "eval";
    card.config = {{"max_rows", r.plan().eval.max_rows}, {"steps", json_or_null(r.plan().eval.steps)},
                   {"guidance", json_or_null(r.plan().eval.guidance)}};
    card.metrics = headline(reports);
    // The most any editor could score through this VAE: the targets' round trips, judged.
    const nlohmann::json ceilings = evaluate(r, model, r.dir("eval"), /*vae_ceiling=*/true, /*more=*/true);
    for (const auto& [role, report] : ceilings.items())
      card.metrics[role]["vae_ceiling_followed_share"] = report.at("all").at("followed_share");
    if (const nlohmann::json flow = test_flow_loss(r, model); !flow.is_null()) card.metrics["test_flow_loss"] = flow;
    return card;
  });
}

// The judge reports an evaluation folder holds, by role (evaluate() writes them).
nlohmann::json read_reports(const std::string& folder) {
  nlohmann::json reports = nlohmann::json::object();
  for (const auto& [role, file] : {std::pair{"test", "test.json"}, std::pair{"hybrid", "hybrid.json"},
                                   std::pair{"probe", "all.json"}})
    reports[role] = load_json_file((fs::path(folder) / file).string());
  return reports;
}

// A copy of `model` whose instructor does not see the first frame ("Vanilla").
void write_text_only_model(const std::string& model, const std::string& out) {
  const ModelFolder folder(model);
  VivaModelConfig config = folder.config();
  config.instructor.first_frame = false;
  folder.write_with_config(out, config);
}

// The paper's Table 2 rows. +V+M+I is the recipe's SFT model and +V+M+I+E its final model; the
// other three are trained here with the SFT stage's settings but for the named differences.
void ablation_stage(Recipe& r) {
  struct Spec {
    const char* name;
    const char* label;
    const char* description;
    bool first_frame;
    double mask_weight, video_probability;
  };
  const Spec trained[] = {
      {"vanilla", "Vanilla", "text-only instruction tokens (no first frame), plain loss, video pairs only", false, 0.0, 1.0},
      {"v", "+V", "VLM instructor with the first frame, plain loss, video pairs only", true, 0.0, 1.0},
      {"vm", "+V+M", "VLM instructor, masked loss, video pairs only", true, 1.0, 1.0}};
  std::vector<AblationVariant> variants;
  for (const Spec& v : trained) {
    const std::string folder = std::string("ablation/") + v.name;
    r.stage(folder, [&] {
      std::string init = editor_init(r);
      if (!v.first_frame) {
        const std::string text_only = (fs::path(r.dir(folder)) / "init").string();
        if (!fs::exists(text_only)) write_text_only_model(init, text_only);
        init = text_only;
      }
      // Text-only conditions need their own cache; the others share the SFT stage's.
      const auto variant = [&](SftConfig& c) {
        c.mask_weight = v.mask_weight;
        c.video_probability = v.video_probability;
      };
      const DitRun run = encode_and_train(r, folder, init, false, r.plan().sft, variant,
                                          v.first_frame ? (fs::path(r.dir("sft")) / "cache").string() : "");
      ModelCard c = dit_card(r, std::string("ablation ") + v.label + ": " + v.description, run);
      c.metrics = headline(evaluate(r, run.result.output, (fs::path(r.dir(folder)) / "eval").string()));
      return c;
    });
    variants.push_back({v.name, v.label, v.description, read_reports((fs::path(r.dir(folder)) / "eval").string())});
  }
  r.stage("ablation/vmi", [&] {
    ModelCard c;
    c.title = "ablation +V+M+I: the recipe's SFT model, evaluated";
    c.result = "sft/run/model";
    c.metrics = headline(evaluate(r, model_of(r, "sft", "run/model"), (fs::path(r.dir("ablation/vmi")) / "eval").string()));
    return c;
  });
  variants.push_back({"vmi", "+V+M+I", "VLM instructor, masked loss, image pairs mixed in (the SFT stage)",
                      read_reports((fs::path(r.dir("ablation/vmi")) / "eval").string())});
  variants.push_back({"vmie", "+V+M+I+E", "the SFT model after Edit-GRPO (the final model)", read_reports(r.dir("eval"))});

  const nlohmann::json table = ablation_json(variants);
  write_file_atomically((fs::path(r.dir("ablation")) / "ablation.json").string(), table.dump(2) + "\n");
  write_file_atomically((fs::path(r.dir("ablation")) / "ablation.md").string(),
                        "# Ablation (paper Table 2) in ShapesWorld\n\n" + ablation_markdown(table));
  std::printf("recipe: wrote %s\n", (fs::path(r.dir("ablation")) / "ablation.md").string().c_str());
}

// "a=1.23, b.c=4.5" from a card's metrics (one level of nesting).
std::string compact_metrics(const nlohmann::json& metrics) {
  std::string out;
  auto add = [&](const std::string& key, const nlohmann::json& v) {
    if (!v.is_number() && !v.is_null()) return;
    char buffer[32] = "n/a";  // null: not measurable (no pixel outside a whole-frame edit's mask)
    if (v.is_number()) std::snprintf(buffer, sizeof buffer, "%.4g", v.get<double>());
    out += (out.empty() ? "" : ", ") + key + "=" + buffer;
  };
  if (!metrics.is_object()) return out;
  for (const auto& [key, value] : metrics.items()) {
    if (value.is_object())
      for (const auto& [inner, v] : value.items()) add(key + "." + inner, v);
    else
      add(key, value);
  }
  return out;
}

// RECIPE.md: time and headline metrics per stage.
void write_summary(const Recipe& r) {
  std::string md = "# ShapesWorld recipe\n\n| stage | result | steps | minutes | metrics |\n|---|---|---:|---:|---|\n";
  double total = 0;
  for (const ModelCard& c : r.cards_) {
    char minutes[32];
    std::snprintf(minutes, sizeof minutes, "%.1f", c.wall_seconds / 60.0);
    total += c.wall_seconds;
    md += "| " + c.stage + " | " + c.result + " | " + std::to_string(c.steps) + " | " + minutes + " | " +
          compact_metrics(c.metrics) + " |\n";
  }
  char line[96];
  std::snprintf(line, sizeof line, "\nTotal: %.1f minutes.\n", total / 60.0);
  write_file_atomically((fs::path(r.options().out) / "RECIPE.md").string(), md + line);
}

}  // namespace

ShapesRecipeResult run_shapes_recipe(const ShapesRecipeOptions& o) {
  if (o.out.empty()) throw Error("viva recipe shapes", "--out is required");
  nlohmann::json plan = ShapesRecipePlan::named(o.plan);
  // --config is a file, or the JSON object itself when it starts with '{'.
  const std::size_t first = o.overrides.find_first_not_of(" \t\n");
  const bool inline_json = first != std::string::npos && o.overrides[first] == '{';
  const std::string overrides_source = inline_json ? "--config" : o.overrides;
  if (!o.overrides.empty())
    plan.merge_patch(inline_json ? parse_json(o.overrides, overrides_source) : load_json_file(o.overrides));
  const ShapesRecipePlan parsed =
      ShapesRecipePlan::from_json(plan, o.overrides.empty() ? "plan '" + o.plan + "'" : overrides_source, o.device);
  fs::create_directories(o.out);
  write_file_atomically((fs::path(o.out) / "plan.json").string(), plan.dump(2) + "\n");
  Recipe r(o, parsed);
  ShapesRecipeResult result;
  try {
    data_stage(r);
    init_stage(r);
    vae_stage(r);
    vlm_stage(r);
    clip_stage(r, "clip");
    clip_stage(r, "pickscore");
    t2v_stage(r);
    sft_stage(r);
    grpo_stage(r);
    eval_stage(r);
    if (o.ablation) ablation_stage(r);
    write_summary(r);
  } catch (const Interrupted& stop) {
    std::printf("recipe: stopped during %s; run the same command again to resume\n", stop.stage.c_str());
    result.cards = r.cards_;
    return result;
  }
  result.finished = true;
  result.cards = r.cards_;
  result.model = (fs::path(o.out) / "model").string();
  return result;
}

}  // namespace viva
