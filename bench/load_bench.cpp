// Loading each released component at its real widths with only the depth cut (the 13B DiT with
// 1 double + 1 single block, LLaVA-Llama-3-8B with 2 decoder layers and the CLIP-L/336 tower
// with 2, the released VAE, CLIP-L text with 2 layers), written in bf16 in the released layouts
// and built into an editor by write_model_from_t2v, through ModelFolder onto the CPU in bf16:
// load seconds and the growth of peak resident memory, against the component's bf16 bytes in
// its checkpoint measured in the same run. Loading without a host copy targets a ratio of at
// most 1.1 (#26).
// Usage: viva_bench_load [TOKENIZERS_DIR] [WORK_DIR]   (default: ../shared/tokenizers, a temp folder)
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "../tests/support/memory.h"
#include "../tests/support/released_layout.h"
#include "viva/pipeline/model_from_t2v.h"

namespace {

namespace fs = std::filesystem;
using namespace viva;

double checkpoint_gb(const std::string& folder) {
  const Checkpoint checkpoint(folder);
  double bytes = 0;
  for (const auto& name : checkpoint.names()) bytes += static_cast<double>(checkpoint.entry(name).nbytes());
  return bytes / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string tokenizers = argc > 1 ? argv[1] : std::string(VIVA_SHARED_DIR) + "/tokenizers";
  const fs::path work = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / "viva-bench-load";
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
  const torch::Device cpu(torch::kCPU);
  const Component components[] = {
      {"transformer", ModelComponent::Transformer, [&] { model.load_transformer(cpu, torch::kBFloat16); }},
      {"instructor", ModelComponent::Instructor, [&] { model.load_instructor(cpu, torch::kBFloat16); }},
      {"vae", ModelComponent::Vae, [&] { model.load_vae(cpu, torch::kBFloat16); }},
      {"clip text", ModelComponent::ClipText, [&] { model.load_clip(cpu, torch::kBFloat16); }}};
  std::printf("| component | bf16 GB in its checkpoint | load s | peak RSS growth GB | ratio |\n|---|---:|---:|---:|---:|\n");
  for (const Component& c : components) {
    const double gb = checkpoint_gb(model.component_path(c.component));
    double load_s = 0;
    malloc_trim(0);  // what the previous component freed goes back, so it is not reused unseen
    const auto growth = testing::peak_rss_growth_kib([&] {
      const auto start = std::chrono::steady_clock::now();
      c.load();
      load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
    if (!growth) {
      std::printf("| %s | %.2f | %.1f | (peak RSS could not be reset) | |\n", c.name, gb, load_s);
      continue;
    }
    const double growth_gb = static_cast<double>(*growth) * 1024.0 / 1e9;
    std::printf("| %s | %.2f | %.1f | %.2f | %.2f |\n", c.name, gb, load_s, growth_gb, growth_gb / gb);
  }
  fs::remove_all(work);
  return 0;
}
