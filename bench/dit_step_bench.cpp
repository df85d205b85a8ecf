// The HunyuanVideo DiT at its 13B architecture (VIVA's context projector included) with random
// bf16 weights, built once: for each video size, seconds per forward (one sampling step of a
// guidance-distilled model; VIVA's instruction guidance takes two) with the blocks in host
// memory brought in one by one (offload "blocks"), then with every block resident on the
// device (offload "none"); the attention kernel the fused attention picks for the joint
// sequence; and, on CUDA, the process's peak device memory in each phase (sampled from
// nvidia-smi, the caching allocator's reserve included). One JSON line per size and plan.
// The published reference: 1904 s for 50 steps of 720x1280x129 on one GPU (about 38 s a step).
// Usage: viva_bench_dit_step [--device cuda] [--sizes 960x544,1280x720] [--frames 129]
//        [--steps 1] [--double N] [--single N] [--text-tokens 256]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "viva/core/compat.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/nn/weight_loading.h"

namespace {

using namespace viva;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// This process's device memory (MiB) as nvidia-smi reports it, or -1 when it cannot tell.
int64_t device_mib_now() {
  FILE* pipe = popen("nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits 2>/dev/null", "r");
  if (!pipe) return -1;
  int64_t mib = -1;
  char line[256];
  const long self = static_cast<long>(getpid());
  while (std::fgets(line, sizeof line, pipe)) {
    long pid = 0, used = 0;
    if (std::sscanf(line, "%ld, %ld", &pid, &used) == 2 && pid == self) mib = used;
  }
  pclose(pipe);
  return mib;
}

// The highest device_mib_now() seen while it lives (sampled every 200 ms).
class PeakDeviceMemory {
 public:
  PeakDeviceMemory() : sampler_([this] {
      while (!stop_) {
        peak_ = std::max<int64_t>(peak_, device_mib_now());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }) {}
  int64_t stop() {
    stop_ = true;
    sampler_.join();
    return std::max<int64_t>(peak_, device_mib_now());
  }
  ~PeakDeviceMemory() {
    if (sampler_.joinable()) stop();
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> peak_{-1};
  std::thread sampler_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string device_name = "cuda", sizes_text = "960x544,1280x720";
  int64_t frames = 129, steps = 1, text_tokens = 256;
  DitOptions o = DitOptions::hunyuan_13b();
  o.context_projector = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--device") device_name = value;
    else if (key == "--sizes") sizes_text = value;
    else if (key == "--frames") frames = std::stol(value);
    else if (key == "--steps") steps = std::stol(value);
    else if (key == "--double") o.double_blocks = std::stol(value);
    else if (key == "--single") o.single_blocks = std::stol(value);
    else if (key == "--text-tokens") text_tokens = std::stol(value);
    else {
      std::fprintf(stderr, "viva_bench_dit_step: unknown option %s\n", key.c_str());
      return 2;
    }
  }
  std::vector<std::pair<int64_t, int64_t>> sizes;  // width, height
  std::stringstream list(sizes_text);
  for (std::string item; std::getline(list, item, ',');) {
    long w = 0, h = 0;
    if (std::sscanf(item.c_str(), "%ldx%ld", &w, &h) != 2 || w % 16 || h % 16) {
      std::fprintf(stderr, "viva_bench_dit_step: a size is WIDTHxHEIGHT in multiples of 16, not %s\n", item.c_str());
      return 2;
    }
    sizes.emplace_back(w, h);
  }
  const torch::Device device(device_name);
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);

  // Built in host memory (random weights), the blocks then offloaded; afterwards all moved in.
  const auto build_start = Clock::now();
  HunyuanDit dit = [&] {
    const DefaultDtypeGuard bf16(torch::kBFloat16);
    return HunyuanDit(o);
  }();
  dit->eval();
  dit->offload_blocks(device);
  const double build_s = seconds_since(build_start);

  const auto bf16 = torch::TensorOptions().device(device).dtype(torch::kBFloat16);
  for (const std::string plan : {"blocks", "none"}) {
    if (plan == "none") {
      dit->block_offload.reset();
      dit->to(device);  // the blocks' tensors point at their host copies again: all of them move in
    }
    for (const auto& [width, height] : sizes) {
      // The VAE's 4x temporal and 8x spatial compression, 16 latent channels.
      const int64_t t = (frames - 1) / 4 + 1, h = height / 8, w = width / 8;
      DitInput in;
      in.x = torch::randn({1, o.in_channels, t, h, w}, bf16);
      in.source = torch::randn({1, o.in_channels, t, h, w}, bf16);
      in.t = torch::full({1}, 500.0, torch::TensorOptions().device(device));
      in.text = torch::randn({1, text_tokens, o.text_dim}, bf16);
      in.pooled = torch::randn({1, o.pooled_dim}, bf16);
      if (o.guidance_embed) in.guidance = torch::full({1}, 6000.0, torch::TensorOptions().device(device));
      const int64_t video_tokens = t * (h / o.patch[1]) * (w / o.patch[2]);
      const torch::Tensor q = torch::empty({1, o.heads, video_tokens + text_tokens, o.hidden_size / o.heads}, bf16);

      PeakDeviceMemory peak;
      auto forward = [&] { return dit->forward(in).sum().item<float>(); };  // .item() waits for the device
      const auto first_start = Clock::now();
      forward();
      const double first_s = seconds_since(first_start);
      const auto start = Clock::now();
      for (int64_t i = 0; i < steps; ++i) forward();
      const double per_forward = seconds_since(start) / static_cast<double>(steps);
      const int64_t peak_mib = device.is_cuda() ? peak.stop() : -1;

      const nlohmann::json line = {{"device", device.str()},
                                   {"size", std::to_string(width) + "x" + std::to_string(height)},
                                   {"frames", frames},
                                   {"video_tokens", video_tokens},
                                   {"text_tokens", text_tokens},
                                   {"double_blocks", o.double_blocks},
                                   {"single_blocks", o.single_blocks},
                                   {"offload", plan},
                                   {"attention_kernel", compat::attention_kernel(q, q, q)},
                                   {"build_s", build_s},
                                   {"first_forward_s", first_s},
                                   {"s_per_forward", per_forward},
                                   {"s_per_step_with_instruction_guidance", 2 * per_forward},
                                   {"peak_device_mib", peak_mib},
                                   {"reference_s_per_step_720x1280x129", 1904.0 / 50}};
      std::printf("%s\n", line.dump().c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}
