// I/O benchmark: how close checkpoint loading and video decoding come to their baselines,
// measured in the same run (a plain memcpy of the same bytes; decoding the lossless copy).
// Prints figures and ratios; asserts nothing.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include "viva/core/safetensors.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_reader.h"
#include "viva/io/video_writer.h"

namespace {

double best_seconds(const std::function<void()>& body, int repeats = 3) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    body();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("viva-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);

  // Checkpoint loading: 64 tensors of 1M fp32 values (256 MiB), loaded to fp32 and to bf16.
  std::vector<viva::NamedTensor> tensors;
  for (int i = 0; i < 64; ++i) tensors.push_back({"t" + std::to_string(i), torch::randn({1024, 1024})});
  const std::string path = (dir / "bench.safetensors").string();
  viva::save_safetensors(path, tensors);
  viva::SafetensorsFile file(path);
  const double bytes = 64.0 * 1024 * 1024 * 4;
  std::vector<char> sink(1024 * 1024 * 4);
  // Baseline: copying the same bytes from memory into a fresh buffer each time, as a load does.
  const double memcpy_s = best_seconds([&] {
    for (const auto& t : tensors) {
      std::vector<char> fresh(sink.size());
      std::memcpy(fresh.data(), t.tensor.data_ptr(), fresh.size());
      sink.swap(fresh);
    }
  });
  const double load_s = best_seconds([&] {
    for (const auto& e : file.tensors()) file.load(e.name);
  });
  const double load_bf16_s = best_seconds([&] {
    for (const auto& e : file.tensors()) file.load(e.name, torch::kBFloat16);
  });
  std::printf("safetensors load fp32: %.2f GB/s (memcpy baseline %.2f GB/s, ratio %.2f)\n", bytes / load_s / 1e9,
              bytes / memcpy_s / 1e9, memcpy_s / load_s);
  std::printf("safetensors load ->bf16: %.2f GB/s (ratio to memcpy %.2f)\n", bytes / load_bf16_s / 1e9,
              memcpy_s / load_bf16_s);

  // Video: 49 frames at 256x256, decode H.264 vs the lossless FFV1 copy; encode speed.
  const viva::VideoFrames clip = viva::make_test_pattern(49, 256, 256, 24);
  const std::string mp4 = (dir / "clip.mp4").string(), mkv = (dir / "clip.mkv").string();
  const double encode_s = best_seconds([&] { fs::remove(mp4); viva::write_video(mp4, clip); }, 2);
  viva::write_video(mkv, clip);
  const double h264_s = best_seconds([&] { viva::read_video(mp4); });
  const double ffv1_s = best_seconds([&] { viva::read_video(mkv); });
  std::printf("H.264 encode 256x256: %.0f frames/s\n", 49 / encode_s);
  std::printf("decode 256x256: H.264 %.0f frames/s, FFV1 %.0f frames/s (ratio %.2f)\n", 49 / h264_s, 49 / ffv1_s,
              ffv1_s / h264_s);
  fs::remove_all(dir);
  return 0;
}
