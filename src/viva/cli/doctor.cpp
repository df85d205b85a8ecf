#include "viva/cli/doctor.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "viva/core/compat.h"
#include "viva/core/version.h"
#include "viva/io/ffmpeg_backend.h"
#include "viva/vlm/http_post.h"

namespace viva {
namespace {

// Libraries mapped into this process whose file name mentions BLAS or LAPACK, resolved through
// symlinks (Debian's libblas.so.3 is an alternative pointing at the real implementation).
std::vector<std::string> loaded_blas_libraries() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> found;
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string name = path.substr(path.rfind('/') + 1);
    if (name.find("blas") == std::string::npos && name.find("lapack") == std::string::npos &&
        name.find("mkl") == std::string::npos)
      continue;
    char resolved[PATH_MAX];
    found.insert(realpath(path.c_str(), resolved) ? std::string(resolved) : path);
  }
  return {found.begin(), found.end()};
}

std::string config_value(const std::string& config, const std::string& key) {
  const auto at = config.find(key + "=");
  if (at == std::string::npos) return "";
  const auto start = at + key.size() + 1;
  const auto end = config.find_first_of(", \n", start);
  return config.substr(start, end - start);
}

}  // namespace

double measure_matmul_gflops(int n, int repeats) {
  torch::NoGradGuard no_grad;
  auto a = torch::randn({n, n});
  auto b = torch::randn({n, n});
  auto c = torch::matmul(a, b);  // warm-up: thread pool, BLAS init
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    c = torch::matmul(a, b);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, s);
  }
  return 2.0 * n * static_cast<double>(n) * n / best / 1e9;
}

DoctorReport run_doctor(int matmul_size) {
  DoctorReport report;
  report.viva_version = kVersion;
  report.torch_version = compat::torch_version();
  report.torch_has_cuda = torch::cuda::is_available() || at::hasCUDA();
  report.torch_blas = config_value(at::show_config(), "BLAS_INFO");
  report.intra_op_threads = at::get_num_threads();
  report.inter_op_threads = at::get_num_interop_threads();
  report.hardware_threads = static_cast<int>(std::thread::hardware_concurrency());
  report.matmul_size = matmul_size;
  report.matmul_gflops = measure_matmul_gflops(matmul_size);
  report.blas_loaded = loaded_blas_libraries();  // after the matmul, so lazily loaded BLAS shows
  for (const auto& lib : report.blas_loaded)
    if (lib.find("openblas") != std::string::npos) report.openblas = true;
  report.ffmpeg_version = ffmpeg_version();
  report.h264_encoder = h264_encoder_name();
  report.vlm_http = http_backend_version();
  if (torch::cuda::is_available()) {
    const int64_t count = static_cast<int64_t>(torch::cuda::device_count());  // size_t in 1.13, int8 in 2.x
    for (int64_t i = 0; i < count; ++i) report.cuda_devices.push_back("cuda:" + std::to_string(i));
  }
  return report;
}

}  // namespace viva
