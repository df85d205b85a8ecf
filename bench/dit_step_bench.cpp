// The HunyuanVideo DiT at its 13B architecture (VIVA's context projector included) with bf16
// weights (a fixed pattern, not drawn: the kernels' time does not depend on the values): for
// each video size, seconds per forward (one sampling step of a guidance-distilled model; VIVA's
// instruction guidance takes two) with the blocks in host memory brought in one by one (offload
// "blocks"), then with every block resident on the device (offload "none"); the attention
// kernel the fused attention picks for the joint sequence; and, on CUDA, the peak device memory
// in each phase (sampled from nvidia-smi, the caching allocator's reserve and the CUDA context
// included). Within one process a later row also holds what the allocator kept from the earlier
// ones: tools/gpu/dit_step.sh runs one process per plan. The sum of the output is printed too:
// the same weights and inputs in every run, so the plans must agree. One JSON line per size
// and plan.
// The published reference: 1904 s for 50 steps of 720x1280x129 on one GPU (about 38 s a step).
// Usage: viva_bench_dit_step [--device cuda] [--sizes 960x544,1280x720] [--plans blocks,none]
//        [--frames 129] [--steps 1] [--double N] [--single N] [--text-tokens 256]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "viva/core/compat.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/nn/undrawn_layers.h"
#include "viva/nn/weight_loading.h"

namespace {

using namespace viva;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// This process's device memory (MiB) as nvidia-smi reports it; inside a container, where
// nvidia-smi names processes by the host's pids, the memory used on the whole device (run
// alone on it); -1 when it cannot tell.
int64_t device_mib_now(int index) {
  const auto query = [](const std::string& command, const std::function<void(const char*)>& line) {
    FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
    if (!pipe) return;
    char text[256];
    while (std::fgets(text, sizeof text, pipe)) line(text);
    pclose(pipe);
  };
  int64_t mib = -1;
  const long self = static_cast<long>(getpid());
  query("nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits", [&](const char* text) {
    long pid = 0, used = 0;
    if (std::sscanf(text, "%ld, %ld", &pid, &used) == 2 && pid == self) mib = used;
  });
  if (mib >= 0) return mib;
  query("nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i " + std::to_string(index),
        [&](const char* text) {
          long used = 0;
          if (std::sscanf(text, "%ld", &used) == 1) mib = used;
        });
  return mib;
}

// The highest device_mib_now() seen while it lives (sampled every 200 ms).
class PeakDeviceMemory {
 public:
  explicit PeakDeviceMemory(int index) : index_(index), sampler_([this] {
      while (!stop_) {
        peak_ = std::max<int64_t>(peak_, device_mib_now(index_));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }) {}
  int64_t stop() {
    stop_ = true;
    sampler_.join();
    return std::max<int64_t>(peak_, device_mib_now(index_));
  }
  ~PeakDeviceMemory() {
    if (sampler_.joinable()) stop();
  }

 private:
  int index_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> peak_{-1};
  std::thread sampler_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string device_name = "cuda", sizes_text = "960x544,1280x720", plans_text = "blocks,none";
  int64_t frames = 129, steps = 1, text_tokens = 256;
  DitOptions o = DitOptions::hunyuan_13b();
  o.context_projector = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--device") device_name = value;
    else if (key == "--sizes") sizes_text = value;
    else if (key == "--plans") plans_text = value;
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
  std::vector<std::string> plans;
  std::stringstream plan_list(plans_text);
  for (std::string plan; std::getline(plan_list, plan, ',');) {
    if (plan != "blocks" && plan != "none") {
      std::fprintf(stderr, "viva_bench_dit_step: a plan is blocks or none, not %s\n", plan.c_str());
      return 2;
    }
    plans.push_back(plan);
  }
  const torch::Device device(device_name);
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);

  // Built in host memory, undrawn, then filled from one fixed pattern of small values, the
  // parameters from offsets 0, 1, ..., 996, 0, ... (copies; a random draw is a minute of one core at 13B),
  // the same in every run. The blocks are then offloaded, or all moved in.
  const auto build_start = Clock::now();
  HunyuanDit dit = [&] {
    const DefaultDtypeGuard bf16(torch::kBFloat16);
    const SkipInitialisersGuard undrawn;
    return HunyuanDit(o);
  }();
  int64_t largest = 0, offset = 0;
  for (const auto& p : dit->parameters()) largest = std::max(largest, p.numel());
  const torch::Tensor pattern = torch::arange(largest + 997, torch::kFloat32).mul_(0.618034).sin_().mul_(0.02);
  for (auto& p : dit->parameters()) p.copy_(pattern.narrow(0, offset++ % 997, p.numel()).view(p.sizes()));
  dit->eval();
  const double build_s = seconds_since(build_start);

  const auto bf16 = torch::TensorOptions().device(device).dtype(torch::kBFloat16);
  for (const std::string& plan : plans) {
    const auto place_start = Clock::now();
    if (plan == "blocks") {
      dit->offload_blocks(device);
    } else {
      dit->block_offload.reset();
      dit->to(device);  // the blocks' tensors point at their host copies again: all of them move in
    }
    const double place_s = seconds_since(place_start);
    const int64_t pinned_bytes = dit->block_offload ? dit->block_offload->host_bytes() : 0;
    for (const auto& [width, height] : sizes) {
      // The VAE's 4x temporal and 8x spatial compression, 16 latent channels.
      const int64_t t = (frames - 1) / 4 + 1, h = height / 8, w = width / 8;
      torch::manual_seed(width * 10000 + height);  // the same inputs for each plan, in any process
      DitInput in;
      in.x = torch::randn({1, o.in_channels, t, h, w}, bf16);
      in.source = torch::randn({1, o.in_channels, t, h, w}, bf16);
      in.t = torch::full({1}, 500.0, torch::TensorOptions().device(device));
      in.text = torch::randn({1, text_tokens, o.text_dim}, bf16);
      in.pooled = torch::randn({1, o.pooled_dim}, bf16);
      if (o.guidance_embed) in.guidance = torch::full({1}, 6000.0, torch::TensorOptions().device(device));
      const int64_t video_tokens = t * (h / o.patch[1]) * (w / o.patch[2]);
      const torch::Tensor q = torch::empty({1, o.heads, video_tokens + text_tokens, o.hidden_size / o.heads}, bf16);

      PeakDeviceMemory peak(device.has_index() ? device.index() : 0);
      auto forward = [&] { return dit->forward(in).to(torch::kFloat32).sum().item<double>(); };  // .item() waits
      const auto first_start = Clock::now();
      const double output_sum = forward();
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
                                   {"place_s", place_s},
                                   {"host_block_gib", static_cast<double>(pinned_bytes) / (1 << 30)},
                                   {"first_forward_s", first_s},
                                   {"s_per_forward", per_forward},
                                   {"s_per_step_with_instruction_guidance", 2 * per_forward},
                                   {"peak_device_mib", peak_mib},
                                   {"output_sum", output_sum},
                                   {"reference_s_per_step_720x1280x129", 1904.0 / 50}};
      std::printf("%s\n", line.dump().c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}
