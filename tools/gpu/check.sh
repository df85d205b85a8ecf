#!/usr/bin/env bash
# One prepared run on a lent GPU machine (the device tool; it has CUDA and a pip torch, no apt):
#  1. writes the LLaVA golden fixture with Hugging Face transformers (make_llava_fixture.py) to
#     $OUT (tests use the committed copy in tests/golden);
#  2. builds viva against the pip torch's libtorch 2.x with CUDA (no FFmpeg there: video only
#     as PNG folders), with the header-only and static dependencies carried in .gpu-deps
#     (tools/gpu/carry_deps.sh makes it on a Debian machine);
#  3. runs the test suite, the CUDA parity tests (fp32 and bf16) included, except the tests that
#     need FFmpeg.
# Usage there: OUT=<folder> tools/gpu/check.sh
set -uo pipefail
OUT=${OUT:-/tmp/viva-gpu-out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"

PYTHONUNBUFFERED=1 python3 tools/gpu/make_llava_fixture.py "$OUT/llava_tiny.safetensors" 2>&1 | tee "$OUT/fixture.log" | tail -5

torch_prefix=$(python3 -c "import torch.utils; print(torch.utils.cmake_prefix_path)")
deps=$PWD/.gpu-deps/usr
export LD_LIBRARY_PATH=$deps/runtime:${LD_LIBRARY_PATH:-}
start=$(date +%s)
cmake -S . -B build-gpu -G Ninja -DCMAKE_PREFIX_PATH="$torch_prefix;$deps" -DVIVA_BUILD_BENCH=OFF \
  -DVIVA_FFMPEG=AUTO -DVIVA_SHARED_DIR="$PWD/.gpu-deps/shared" > "$OUT/cmake.log" 2>&1 || { tail -30 "$OUT/cmake.log"; exit 1; }
grep -i -E "warning|torch|cuda" "$OUT/cmake.log" | head -10
cmake --build build-gpu -j16 > "$OUT/build.log" 2>&1
rc=$?
echo "build rc=$rc in $(( $(date +%s) - start )) s; warnings: $(grep -c 'warning:' "$OUT/build.log")"
grep -E "error|warning:" "$OUT/build.log" | head -40
[ $rc -eq 0 ] || exit 1
build-gpu/bin/viva doctor 2>&1 | tee "$OUT/doctor.txt"
build-gpu/tests/viva_tests --gtest_filter='-Video*:Cli*:SideBySide*' --gtest_brief=1 \
  --gtest_output=xml:"$OUT/tests.xml" 2>&1 | tee "$OUT/tests.log" | tail -60
grep -o 'name="[^"]*max_abs_error" value="[^"]*"' "$OUT/tests.xml" | grep -i -E "fp32|bf16|image_features|hidden_after|logits" | head -40
