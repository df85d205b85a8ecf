// viva doctor: is this machine set up to run viva well?
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "viva/cli/cli_common.h"
#include "viva/cli/doctor.h"

namespace viva::cli {
namespace {

void print_report(const DoctorReport& r) {
  std::printf("viva %s\n", r.viva_version.c_str());
  std::printf("libtorch        %s (%s)\n", r.torch_version.c_str(), r.torch_has_cuda ? "CUDA" : "CPU only");
  std::printf("BLAS (build)    %s\n", r.torch_blas.empty() ? "unknown" : r.torch_blas.c_str());
  if (r.blas_loaded.empty()) std::printf("BLAS (loaded)   none found in the process maps\n");
  for (const auto& lib : r.blas_loaded) std::printf("BLAS (loaded)   %s\n", lib.c_str());
  std::printf("threads         intra-op %d, inter-op %d, hardware %d\n", r.intra_op_threads, r.inter_op_threads,
              r.hardware_threads);
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  std::printf("OpenMP waits    %s\n", policy ? policy : "libgomp's default (spinning; edit, train, eval, recipe and data set PASSIVE)");
  std::printf("matmul fp32     %.1f GFLOP/s (%dx%d)\n", r.matmul_gflops, r.matmul_size, r.matmul_size);
  std::printf("FFmpeg          %s\n", r.ffmpeg_version.empty() ? "NOT BUILT IN (video only as PNG frame folders)" : r.ffmpeg_version.c_str());
  std::printf("H.264 encoder   %s\n", r.h264_encoder.empty() ? "MISSING (only .mkv and PNG output)" : r.h264_encoder.c_str());
  std::printf("VLM client      %s\n", r.vlm_http.empty() ? "NOT BUILT IN (no libcurl: viva eval vlm and data refine cannot run)"
                                                      : r.vlm_http.c_str());
  if (r.cuda_devices.empty()) std::printf("CUDA devices    none\n");
  for (const auto& d : r.cuda_devices) std::printf("CUDA device     %s\n", d.c_str());
  if (!r.openblas && r.cuda_devices.empty())
    std::printf("warning: OpenBLAS is not loaded; matmul on CPU will be slow. Install libopenblas0-pthread.\n");
}

}  // namespace

void add_doctor_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("doctor", "Report libtorch, BLAS, threads, matmul speed, FFmpeg, the VLM client (libcurl) and CUDA");
  auto size = std::make_shared<int>(1024);
  cmd->add_option("--matmul-size", *size, "Matrix side for the fp32 matmul benchmark")->check(CLI::Range(64, 8192));
  set_guarded_callback(cmd, [size] { print_report(run_doctor(*size)); });
}

}  // namespace viva::cli
