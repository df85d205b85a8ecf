#include "viva/train/sharded_checkpoint.h"

#include <cstdio>
#include <filesystem>

#include "viva/core/compat.h"
#include "viva/core/config.h"
#include "viva/core/error.h"

namespace viva {
namespace fs = std::filesystem;

std::string rank_part_name(int rank, int world) {
  char name[48];
  std::snprintf(name, sizeof name, "rank-%05d-of-%05d", rank, world);
  return name;
}

void save_adamw_moments(const torch::nn::Module& model, torch::optim::Optimizer& optimizer, const std::string& path) {
  std::vector<NamedTensor> tensors;
  int64_t step = 0;
  auto& states = optimizer.state();
  for (const auto& p : model.named_parameters()) {
    const auto found = states.find(compat::optimizer_state_key(states, p.value()));
    if (found == states.end()) continue;
    const auto* adamw = dynamic_cast<const torch::optim::AdamWParamState*>(found->second.get());
    if (!adamw) throw Error("sharded checkpoint", "only AdamW's state can be saved by parts");
    step = adamw->step();
    tensors.push_back({p.key() + ".exp_avg", adamw->exp_avg().to(torch::kCPU)});
    tensors.push_back({p.key() + ".exp_avg_sq", adamw->exp_avg_sq().to(torch::kCPU)});
  }
  save_safetensors(path, tensors, {{"step", std::to_string(step)}});
}

ShardedCheckpoint::ShardedCheckpoint(std::string folder) : folder_(std::move(folder)) {
  const nlohmann::json state = load_json_file((fs::path(folder_) / "state.json").string());
  if (!state.contains("shards") || !state["shards"].is_object())
    throw file_error(folder_, "is not a checkpoint of sharded training (state.json has no \"shards\")");
  layout_ = state["shards"];
  world_ = layout_.at("world").get<int>();
  for (int r = 0; r < world_; ++r) {
    const fs::path part = fs::path(folder_) / rank_part_name(r, world_);
    if (!fs::is_directory(part)) throw file_error(folder_, "lacks the part " + rank_part_name(r, world_));
    weights_.emplace_back((part / "weights.safetensors").string());
    if (fs::exists(part / "moments.safetensors")) moments_.emplace_back((part / "moments.safetensors").string());
  }
  if (!moments_.empty() && moments_.size() != weights_.size())
    throw file_error(folder_, "holds AdamW moments for some of its parts only");
}

int64_t ShardedCheckpoint::unit_numel(std::size_t u) const {
  int64_t n = 0;
  for (const auto& p : layout_["units"][u]["parameters"]) n += c10::multiply_integers(p["shape"].get<std::vector<int64_t>>());
  return n;
}

torch::Tensor ShardedCheckpoint::unit(std::size_t u, const std::string& file, const std::string& suffix) const {
  std::vector<torch::Tensor> parts;
  const std::string name = "unit_" + std::to_string(u) + suffix;
  for (const Checkpoint& part : file == "moments" ? moments_ : weights_) {
    if (!part.contains(name)) throw file_error(part.path(), "lacks '" + name + "'");
    parts.push_back(part.load(name).to(torch::kFloat32).flatten());
  }
  return torch::cat(parts).narrow(0, 0, unit_numel(u));
}

int64_t ShardedCheckpoint::adamw_step() const {
  const auto& meta = moments_.front().metadata();
  return meta.count("step") ? std::stoll(meta.at("step")) : 0;
}

std::vector<NamedTensor> ShardedCheckpoint::model_tensors() const {
  std::vector<NamedTensor> out;
  for (std::size_t u = 0; u < units(); ++u) {
    const torch::Tensor flat = unit(u);
    int64_t offset = 0;
    for (const auto& p : layout_["units"][u]["parameters"]) {
      const auto shape = p["shape"].get<std::vector<int64_t>>();
      const int64_t n = c10::multiply_integers(shape);
      out.push_back({p["name"].get<std::string>(), flat.narrow(0, offset, n).view(shape).clone()});
      offset += n;
    }
  }
  return out;
}

void ShardedCheckpoint::load_resharded(torch::nn::Module& model, torch::optim::Optimizer* optimizer, int rank,
                                       int world) const {
  torch::NoGradGuard no_grad;
  const auto slice = [&](const torch::Tensor& whole, const torch::Tensor& like) {
    const int64_t part = like.numel();
    torch::Tensor padded = torch::zeros({part * world}, whole.options());
    padded.narrow(0, 0, whole.numel()).copy_(whole);
    return padded.narrow(0, rank * part, part).to(like.device());
  };
  const bool moments = optimizer && has_moments();
  const int64_t step = moments ? adamw_step() : 0;
  for (auto& p : model.named_parameters()) {
    const std::string& name = p.key();
    if (name.rfind("unit_", 0) != 0) throw Error("sharded checkpoint", "'" + name + "' is not a unit's shard");
    const auto u = static_cast<std::size_t>(std::stoul(name.substr(5)));
    if (u >= units()) throw file_error(folder_, "has " + std::to_string(units()) + " units, the model more");
    p.value().copy_(slice(unit(u), p.value()));
    if (!moments) continue;
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->step(step);
    state->exp_avg(slice(unit(u, "moments", ".exp_avg"), p.value()).clone());
    state->exp_avg_sq(slice(unit(u, "moments", ".exp_avg_sq"), p.value()).clone());
    auto& states = optimizer->state();
    states[compat::optimizer_state_key(states, p.value())] = std::move(state);
  }
}

}  // namespace viva
