#include "viva/train/train_checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/core/safetensors.h"
#include "viva/core/strings.h"
#include "viva/nn/weight_loading.h"
#include "viva/train/sharded_checkpoint.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

std::string step_name(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(step));
  return name;
}

}  // namespace

TrainCheckpoints::TrainCheckpoints(std::string run_folder, int64_t keep)
    : dir_((fs::path(run_folder) / "checkpoints").string()), keep_(keep) {}

void TrainCheckpoints::shard(int rank, int world, std::function<void()> barrier) {
  rank_ = rank;
  world_ = world;
  barrier_ = std::move(barrier);
}

std::string TrainCheckpoints::part_name() const { return rank_part_name(rank_, world_); }

namespace {

// Weights, EMA and optimizer state into `folder` (which exists).
void write_training_state(const fs::path& folder, const torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                          const std::vector<std::pair<std::string, torch::Tensor>>& ema) {
  save_parameters(model, (folder / "weights.safetensors").string());
  if (!ema.empty()) {
    std::vector<NamedTensor> tensors;
    for (const auto& [name, t] : ema) tensors.push_back({name, t.to(torch::kCPU)});
    save_safetensors((folder / "ema.safetensors").string(), tensors);
  }
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  archive.save_to((folder / "optimizer.pt").string());
}

TrainState read_state(const fs::path& folder) {
  const nlohmann::json state = load_json_file((folder / "state.json").string());
  TrainState s;
  s.step = state.at("step").get<int64_t>();
  s.config = state.value("config", nlohmann::json::object());
  s.elapsed_s = state.value("elapsed_s", 0.0);
  if (state.contains("shards")) s.shards = state["shards"];
  return s;
}

void write_state(const fs::path& folder, const TrainState& state) {
  nlohmann::json json{{"step", state.step}, {"elapsed_s", state.elapsed_s}, {"config", state.config}};
  if (!state.shards.is_null()) json["shards"] = state.shards;
  write_file_atomically((folder / "state.json").string(), json.dump(2) + "\n");
}

// Writes `folder` through a temporary sibling renamed into place (removed again on failure).
void write_folder_atomically(const std::string& target, const std::function<void(const fs::path&)>& write) {
  AtomicFile folder(target);
  const fs::path tmp = folder.temp_path();
  fs::create_directories(tmp);
  try {
    write(tmp);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  if (fs::exists(target)) fs::remove_all(target);  // a rerun of the same step
  folder.commit();
}

}  // namespace

void TrainCheckpoints::save(const TrainState& state, const torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                            const std::vector<std::pair<std::string, torch::Tensor>>& ema) const {
  fs::create_directories(dir_);
  const std::string target = (fs::path(dir_) / step_name(state.step)).string();
  if (world_ == 0) {
    write_folder_atomically(target, [&](const fs::path& tmp) {
      write_training_state(tmp, model, optimizer, ema);
      write_state(tmp, state);
    });
  } else {
    const fs::path parts = target + ".parts";
    if (rank_ == 0 && fs::exists(parts)) fs::remove_all(parts);  // left by a killed run
    barrier_();
    fs::create_directories(parts);
    write_folder_atomically((parts / part_name()).string(), [&](const fs::path& tmp) {
      write_training_state(tmp, model, optimizer, ema);
      save_adamw_moments(model, optimizer, (tmp / "moments.safetensors").string());  // for resharding
    });
    barrier_();  // every part is written
    if (rank_ == 0) {
      write_state(parts, state);
      if (fs::exists(target)) fs::remove_all(target);
      fs::rename(parts, target);  // the commit
    }
    barrier_();
    if (rank_ != 0) return;
  }
  write_file_atomically((fs::path(dir_) / "latest").string(), step_name(state.step) + "\n");

  std::vector<std::string> steps;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.is_directory() && starts_with(e.path().filename().string(), "step-") &&
        e.path().filename().string().find('.') == std::string::npos)
      steps.push_back(e.path().string());
  std::sort(steps.begin(), steps.end());
  for (std::size_t i = 0; i + static_cast<std::size_t>(keep_) < steps.size(); ++i) fs::remove_all(steps[i]);
}

std::optional<std::string> TrainCheckpoints::latest() const {
  const fs::path pointer = fs::path(dir_) / "latest";
  if (!fs::exists(pointer)) return std::nullopt;
  std::string name = read_file(pointer.string());
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  const fs::path folder = fs::path(dir_) / name;
  if (!fs::is_directory(folder)) throw file_error(pointer.string(), "names a missing checkpoint '" + name + "'");
  return folder.string();
}

TrainState TrainCheckpoints::start(bool resume, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                                   std::vector<std::pair<std::string, torch::Tensor>>& ema) const {
  const auto found = latest();
  const std::string run = fs::path(dir_).parent_path().string();
  if (resume) {
    if (!found) throw file_error(run, "has no checkpoint to resume from");
    return load(*found, model, &optimizer, &ema);
  }
  if (found) throw file_error(run, "already holds a run's checkpoints: resume it with --resume or choose another out");
  return TrainState{};
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

torch::optim::AdamWOptions adamw_options(const TrainingOptions& config) {
  return torch::optim::AdamWOptions(config.lr).weight_decay(config.weight_decay);
}

TrainState TrainCheckpoints::load(const std::string& folder, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                                  std::vector<std::pair<std::string, torch::Tensor>>* ema) const {
  torch::NoGradGuard no_grad;
  fs::path part = folder;
  if (world_ > 0) {
    part /= part_name();
    if (!fs::is_directory(part)) {  // saved by another number of ranks: cut anew
      if (fs::exists(fs::path(folder) / "weights.safetensors"))
        throw file_error(folder, "was saved without sharding; resume it with \"sharding\": \"none\"");
      ShardedCheckpoint(folder).load_resharded(model, optimizer, rank_, world_);
      return read_state(folder);
    }
  } else if (!fs::exists(part / "weights.safetensors") && fs::exists(part / "state.json")) {
    throw file_error(folder, "holds per-rank parts of sharded training; resume it with \"sharding\": \"full\"");
  }
  const Checkpoint weights((part / "weights.safetensors").string());
  for (auto& p : model.named_parameters()) {
    if (!weights.contains(p.key())) throw file_error(weights.path(), "lacks '" + p.key() + "'");
    p.value().copy_(weights.load(p.key()));
  }
  if (ema && !ema->empty()) {
    const Checkpoint saved((part / "ema.safetensors").string());
    for (auto& [name, t] : *ema) t.copy_(saved.load(name));
  }
  if (optimizer) {
    torch::serialize::InputArchive archive;
    const auto parameters = model.parameters();
    archive.load_from((part / "optimizer.pt").string(),
                      parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device());
    optimizer->load(archive);
  }
  return read_state(folder);
}

uint64_t step_seed(uint64_t seed, int64_t step) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(step + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace viva
