// viva inspect <file|dir>: what is inside a safetensors file or sharded checkpoint.
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include "viva/cli/cli_common.h"
#include "viva/core/checkpoint.h"
#include "viva/core/error.h"
#include "viva/models/model_inspector.h"
#include "viva/pipeline/model_folder.h"

namespace viva::cli {
namespace {

struct InspectOptions {
  std::string path;
  std::string filter;
  bool summary_only = false;
  std::string model_dir;
};

std::string shape_text(const std::vector<int64_t>& shape) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

std::string with_commas(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// A VIVA model folder's components as viva.json names them (referenced ones included), or
// every checkpoint in any other folder.
std::vector<std::pair<ComponentReport, std::string>> components_of(const std::string& folder) {
  std::vector<std::pair<ComponentReport, std::string>> out;
  if (!std::filesystem::exists(std::filesystem::path(folder) / "viva.json")) {
    for (auto& c : inspect_model_folder(folder)) out.push_back({c, ""});
    return out;
  }
  const ModelFolder model(folder);
  const std::pair<const char*, ModelComponent> components[] = {{"transformer", ModelComponent::Transformer},
                                                               {"vae", ModelComponent::Vae},
                                                               {"vlm", ModelComponent::Instructor},
                                                               {"clip_text", ModelComponent::ClipText}};
  for (const auto& [name, component] : components) {
    const std::string path = model.component_path(component);
    out.push_back({inspect_component(name, path), model.is_referenced(component) ? path + " (referenced)" : path});
  }
  return out;
}

void inspect_model(const std::string& folder) {
  uint64_t total = 0;
  for (const auto& [c, source] : components_of(folder)) {
    std::printf("%s: %s\n", c.name.c_str(), c.family.c_str());
    if (!source.empty()) std::printf("  source      %s\n", source.c_str());
    std::printf("  file        %s\n", c.path.c_str());
    if (!c.layout.empty()) std::printf("  layout      %s\n", c.layout.c_str());
    if (!c.preset.empty()) std::printf("  preset      %s\n", c.preset.c_str());
    std::printf("  parameters  %s (%s)\n", with_commas(c.parameters).c_str(), format_bytes(static_cast<double>(c.bytes)).c_str());
    for (const auto& note : c.notes) std::printf("  note        %s\n", note.c_str());
    total += c.parameters;
  }
  std::printf("total parameters: %s\n", with_commas(total).c_str());
}

void inspect(const InspectOptions& o) {
  if (!o.model_dir.empty()) {
    inspect_model(o.model_dir);
    return;
  }
  if (o.path.empty()) throw Error("inspect", "give a checkpoint path or --model <dir>");
  Checkpoint checkpoint(o.path);
  if (checkpoint.shards().empty())
    std::printf("%s: PyTorch pickle\n", checkpoint.path().c_str());
  else
    std::printf("%s: %zu shard%s\n", checkpoint.path().c_str(), checkpoint.shards().size(),
                checkpoint.shards().size() == 1 ? "" : "s");
  uint64_t params = 0, bytes = 0;
  std::size_t shown = 0;
  std::map<std::string, uint64_t> params_by_dtype;
  for (const auto& name : checkpoint.names()) {
    if (!o.filter.empty() && name.find(o.filter) == std::string::npos) continue;
    const TensorEntry& e = checkpoint.entry(name);
    params += e.numel();
    bytes += e.nbytes();
    params_by_dtype[dtype_name(e.dtype)] += e.numel();
    ++shown;
    if (!o.summary_only) std::printf("  %-64s %-5s %s\n", name.c_str(), dtype_name(e.dtype), shape_text(e.shape).c_str());
  }
  std::printf("tensors: %zu%s\n", shown, o.filter.empty() ? "" : (" matching '" + o.filter + "'").c_str());
  std::printf("parameters: %s (%s)\n", with_commas(params).c_str(), format_bytes(static_cast<double>(bytes)).c_str());
  for (const auto& [dtype, n] : params_by_dtype) std::printf("  %-5s %s\n", dtype.c_str(), with_commas(n).c_str());
  for (const auto& [key, value] : checkpoint.metadata()) {
    const std::string shown_value = value.size() > 200 ? value.substr(0, 200) + "..." : value;
    std::printf("metadata %s: %s\n", key.c_str(), shown_value.c_str());
  }
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand("inspect", "List the tensors of a safetensors file or sharded checkpoint");
  cmd->add_option("path", options->path, "A .safetensors file, a *.safetensors.index.json, or a folder holding one");
  cmd->add_option("--filter", options->filter, "Only tensors whose name contains this text");
  cmd->add_flag("--summary", options->summary_only, "Print totals and metadata only");
  cmd->add_option("--model", options->model_dir,
                  "A model folder: report each component (transformer/, vae/, text_encoder/, ...), "
                "its family, layout, parameter count and matching preset");
  set_guarded_callback(cmd, [options] { inspect(*options); });
}

}  // namespace viva::cli
