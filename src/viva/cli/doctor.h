#pragma once
// What `viva doctor` reports: the libtorch build, the BLAS actually loaded, threads, a
// measured matmul rate, FFmpeg and its H.264 encoder, the VLM client's HTTP library, CUDA devices.
#include <string>
#include <vector>

namespace viva {

struct DoctorReport {
  std::string viva_version;
  std::string torch_version;
  bool torch_has_cuda = false;
  std::string torch_blas;                // BLAS libtorch was built against (from its config)
  std::vector<std::string> blas_loaded;  // BLAS/LAPACK libraries mapped into this process
  bool openblas = false;
  int intra_op_threads = 0;
  int inter_op_threads = 0;
  int hardware_threads = 0;
  double matmul_gflops = 0.0;  // fp32, square matrices, best of several runs
  int matmul_size = 0;
  std::string ffmpeg_version;
  std::string h264_encoder;  // empty when none
  std::string vlm_http;      // the VLM client's HTTP library (libcurl's version); empty when built without
  std::vector<std::string> cuda_devices;
};

// Runs the checks; `matmul_size` sets the benchmark's matrix side.
DoctorReport run_doctor(int matmul_size = 1024);

// GFLOP/s of an fp32 n x n matmul on CPU (best of `repeats` after a warm-up).
double measure_matmul_gflops(int n, int repeats = 5);

}  // namespace viva
