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

void TrainCheckpoints::save(const TrainState& state, const torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                            const std::vector<std::pair<std::string, torch::Tensor>>& ema) const {
  fs::create_directories(dir_);
  const std::string target = (fs::path(dir_) / step_name(state.step)).string();
  AtomicFile folder(target);
  const fs::path tmp = folder.temp_path();
  fs::create_directories(tmp);
  try {
    save_parameters(model, (tmp / "weights.safetensors").string());
    if (!ema.empty()) {
      std::vector<NamedTensor> tensors;
      for (const auto& [name, t] : ema) tensors.push_back({name, t.to(torch::kCPU)});
      save_safetensors((tmp / "ema.safetensors").string(), tensors);
    }
    torch::serialize::OutputArchive archive;
    optimizer.save(archive);
    archive.save_to((tmp / "optimizer.pt").string());
    write_file_atomically((tmp / "state.json").string(),
                          nlohmann::json{{"step", state.step}, {"elapsed_s", state.elapsed_s}, {"config", state.config}}
                                  .dump(2) + "\n");
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  if (fs::exists(target)) fs::remove_all(target);  // a rerun of the same step
  folder.commit();
  write_file_atomically((fs::path(dir_) / "latest").string(), step_name(state.step) + "\n");

  std::vector<std::string> steps;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.is_directory() && starts_with(e.path().filename().string(), "step-") &&
        e.path().filename().string().find(".tmp") == std::string::npos)
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
  const Checkpoint weights((fs::path(folder) / "weights.safetensors").string());
  for (auto& p : model.named_parameters()) {
    if (!weights.contains(p.key())) throw file_error(weights.path(), "lacks '" + p.key() + "'");
    p.value().copy_(weights.load(p.key()));
  }
  if (ema && !ema->empty()) {
    const Checkpoint saved((fs::path(folder) / "ema.safetensors").string());
    for (auto& [name, t] : *ema) t.copy_(saved.load(name));
  }
  if (optimizer) {
    torch::serialize::InputArchive archive;
    const auto parameters = model.parameters();
    archive.load_from((fs::path(folder) / "optimizer.pt").string(),
                      parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device());
    optimizer->load(archive);
  }
  const nlohmann::json state = load_json_file((fs::path(folder) / "state.json").string());
  TrainState s;
  s.step = state.at("step").get<int64_t>();
  s.config = state.value("config", nlohmann::json::object());
  s.elapsed_s = state.value("elapsed_s", 0.0);
  return s;
}

uint64_t step_seed(uint64_t seed, int64_t step) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(step + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace viva
