// Loading each released component at its real widths with only the depth cut (the 13B DiT with
// 1 double + 1 single block, LLaVA-Llama-3-8B with 2 decoder layers and the CLIP-L/336 tower
// with 2, the released VAE, CLIP-L text with 2 layers), written in bf16 in the released layouts
// and built into an editor by write_model_from_t2v, through ModelFolder onto a device in bf16:
// load seconds and the growth of the host's peak resident memory, against the component's bf16
// bytes and against its largest shard's tensor bytes, both measured in the same run. Targets
// (#26): growth at most 1.1x the component's bytes when loading onto the CPU, at most 1.1x the
// largest shard's when loading onto a GPU. Then each model's build with libtorch's initialisers
// against the undrawn build the loads use, in the same run.
// Usage: viva_bench_load [--device cuda] [TOKENIZERS_DIR] [WORK_DIR]
//        (defaults: cpu, ../shared/tokenizers, a temp folder)
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "../tests/support/memory.h"
#include "../tests/support/released_layout.h"
#include "viva/nn/undrawn_layers.h"
#include "viva/nn/weight_loading.h"
#include "viva/pipeline/model_folder.h"
#include "viva/pipeline/model_from_t2v.h"

namespace {

namespace fs = std::filesystem;
using namespace viva;

struct CheckpointSize {
  double gb = 0, largest_shard_gb = 0;
};

CheckpointSize checkpoint_size(const std::string& folder) {
  const Checkpoint checkpoint(folder);
  CheckpointSize size;
  for (const auto& shard : checkpoint.shards()) {
    double bytes = 0;
    for (const auto& e : shard->tensors()) bytes += static_cast<double>(e.nbytes());
    size.gb += bytes / 1e9;
    size.largest_shard_gb = std::max(size.largest_shard_gb, bytes / 1e9);
  }
  return size;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  torch::Device device(torch::kCPU);
  if (args.size() >= 2 && args[0] == "--device") {
    device = torch::Device(args[1]);
    args.erase(args.begin(), args.begin() + 2);
  }
  const std::string tokenizers = args.size() > 0 ? args[0] : std::string(VIVA_SHARED_DIR) + "/tokenizers";
  const fs::path work = args.size() > 1 ? fs::path(args[1]) : fs::temp_directory_path() / "viva-bench-load";
  if (!fs::exists(tokenizers + "/llama3/tokenizer.json")) {
    std::printf("viva_bench_load: no test tokenizers at %s (give TOKENIZERS_DIR)\n", tokenizers.c_str());
    return 1;
  }
  fs::remove_all(work);
  const auto write_start = std::chrono::steady_clock::now();
  const testing::ReleasedFolders released = testing::write_released_layout(
      (work / "released").string(), testing::released_widths_reduced_depth(), tokenizers);
  ModelFromT2vOptions options;
  options.t2v = released.t2v;
  options.instructor = released.instructor;
  options.out = (work / "viva").string();
  write_model_from_t2v(options);
  std::printf("wrote the released layouts and the editor in %.0f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count());

  const ModelFolder model(options.out);
  struct Component {
    const char* name;
    ModelComponent component;
    std::function<void()> load;
  };
  const Component components[] = {
      {"transformer", ModelComponent::Transformer, [&] { model.load_transformer(device, torch::kBFloat16); }},
      {"instructor", ModelComponent::Instructor, [&] { model.load_instructor(device, torch::kBFloat16); }},
      {"vae", ModelComponent::Vae, [&] { model.load_vae(device, torch::kBFloat16); }},
      {"clip text", ModelComponent::ClipText, [&] { model.load_clip(device, torch::kBFloat16); }}};
  // A GPU's runtime starts with its first use and takes host memory of its own (hundreds of
  // MB): started here, before any load is measured.
  if (device.is_cuda()) torch::ones({1}, torch::TensorOptions().device(device)).sum().item<float>();
  std::printf("loading onto %s in bf16\n", device.str().c_str());
  std::printf("| component | bf16 GB | largest shard GB | load s | host peak RSS growth GB | / component | / largest shard |\n"
              "|---|---:|---:|---:|---:|---:|---:|\n");
  for (const Component& c : components) {
    const CheckpointSize size = checkpoint_size(model.component_path(c.component));
    double load_s = 0;
    malloc_trim(0);  // what the previous component freed goes back, so it is not reused unseen
    const auto growth = testing::peak_rss_growth_kib([&] {
      const auto start = std::chrono::steady_clock::now();
      c.load();
      load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
    if (!growth) {
      std::printf("| %s | %.2f | %.2f | %.1f | (peak RSS could not be reset) | | |\n", c.name, size.gb,
                  size.largest_shard_gb, load_s);
      continue;
    }
    const double growth_gb = static_cast<double>(*growth) * 1024.0 / 1e9;
    std::printf("| %s | %.2f | %.2f | %.1f | %.2f | %.2f | %.2f |\n", c.name, size.gb, size.largest_shard_gb, load_s,
                growth_gb, growth_gb / size.gb, growth_gb / size.largest_shard_gb);
  }

  // What the loads above save by not drawing initial weights (nn/undrawn_layers.h): each model
  // built in bf16 as a load builds it, against the same build with libtorch's initialisers.
  const auto seconds = [](const std::function<void()>& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const std::pair<const char*, std::function<void()>> builds[] = {
      {"transformer", [&] { HunyuanDit dit(model.transformer_options()); }},
      {"instructor", [&] { LlavaModel vlm(model.instructor_options()); }},
      {"clip text", [&] { ClipTextTransformer clip(model.clip_options()); }}};
  std::printf("\nbuilding each model in bf16 on the cpu before its weights are read\n"
              "| model | with libtorch's initialisers s | undrawn s |\n|---|---:|---:|\n");
  for (const auto& [name, build] : builds) {
    const torch::NoGradGuard no_grad;
    const DefaultDtypeGuard bf16(torch::kBFloat16);
    const double drawn = seconds(build);
    const SkipInitialisersGuard undrawn;
    const double skipped = seconds(build);
    std::printf("| %s | %.2f | %.2f |\n", name, drawn, skipped);
  }
  fs::remove_all(work);
  return 0;
}
