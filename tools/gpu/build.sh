#!/usr/bin/env bash
# Configures and builds viva on a lent GPU machine (CUDA, a pip torch, no apt) against the pip
# torch's libtorch 2.x, with the dependencies carried in .gpu-deps (tools/gpu/carry_deps.sh).
# Usage there: OUT=<folder> [JOBS=16] [BENCH=ON] tools/gpu/build.sh [ninja targets...]   (none: everything)
# Logs go to $OUT; prints one line with the result and the first errors. Used by check.sh and train_vae.sh.
set -uo pipefail
OUT=${OUT:-/tmp/viva-gpu-out}
mkdir -p "$OUT"
torch_prefix=$(python3 -c "import torch.utils; print(torch.utils.cmake_prefix_path)")
# GoogleTest built here with this machine's compiler (the carried Debian source).
cmake -S .gpu-deps/googletest-src -B /tmp/gtest-build -G Ninja -DCMAKE_INSTALL_PREFIX=/tmp/gtest > "$OUT/gtest.log" 2>&1 &&
  cmake --build /tmp/gtest-build -j16 >> "$OUT/gtest.log" 2>&1 && cmake --install /tmp/gtest-build >> "$OUT/gtest.log" 2>&1 ||
  { tail -20 "$OUT/gtest.log"; exit 1; }
deps=$PWD/.gpu-deps/usr
# NCCL's header from the pip torch's own NCCL package, so that it matches the library torch
# loads (ProcessGroupNCCL's options differ between NCCL versions); both versions are printed.
nccl_include=$(python3 -c "import os, nvidia.nccl; print(os.path.join(list(nvidia.nccl.__path__)[0], 'include'))" 2>/dev/null)
[ -f "$nccl_include/nccl.h" ] && export NCCL_INCLUDE_DIR=$nccl_include
echo "NCCL: torch's $(python3 -c 'import torch; print(torch.cuda.nccl.version())' 2>/dev/null)," \
  "header $(grep -m3 -E '^#define NCCL_(MAJOR|MINOR|PATCH) ' "${NCCL_INCLUDE_DIR:-/usr/local/cuda/include}/nccl.h" 2>/dev/null | awk '{print $3}' | paste -sd.)"
. tools/gpu/runtime.sh  # test discovery runs the test binary
start=$(date +%s)
cmake -S . -B build-gpu -G Ninja -DCMAKE_PREFIX_PATH="/tmp/gtest;$torch_prefix;$deps" -DVIVA_BUILD_BENCH=${BENCH:-OFF} \
  ${NCCL_INCLUDE_DIR:+-DVIVA_NCCL_INCLUDE="$NCCL_INCLUDE_DIR"} \
  -DVIVA_FFMPEG=AUTO -DVIVA_SHARED_DIR="$PWD/.gpu-deps/shared" > "$OUT/cmake.log" 2>&1 || { tail -30 "$OUT/cmake.log"; exit 1; }
grep -i -E "warning|torch|cuda|c10d" "$OUT/cmake.log" | head -12
cmake --build build-gpu -j"${JOBS:-16}" ${1:+--target "$@"} > "$OUT/build.log" 2>&1
rc=$?
echo "build ${*:-all} rc=$rc in $(( $(date +%s) - start )) s; warnings: $(grep -c 'warning:' "$OUT/build.log")"
grep -E "error|warning:" "$OUT/build.log" | head -40
exit $rc
