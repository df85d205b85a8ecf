#!/usr/bin/env bash
# One prepared run on a lent GPU machine (the device tool; it has CUDA and a pip torch, no apt):
#  1. writes the LLaVA golden fixture with Hugging Face transformers (make_llava_fixture.py) to
#     $OUT (tests use the committed copy in tests/golden);
#  2. builds viva against the pip torch's libtorch 2.x with CUDA (tools/gpu/build.sh; no FFmpeg
#     there: video only as PNG folders);
#  3. runs the test suite, the CUDA parity tests (fp32 and bf16) included, except the suites that
#     write video files (they need FFmpeg).
# Usage there: OUT=<folder> tools/gpu/check.sh
set -uo pipefail
OUT=${OUT:-/tmp/viva-gpu-out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"

[ "${MAKE_FIXTURE:-1}" = 1 ] &&
  PYTHONUNBUFFERED=1 python3 tools/gpu/make_llava_fixture.py "$OUT/llava_tiny.safetensors" 2>&1 | tee "$OUT/fixture.log" | tail -5

python3 -c "import torch; print('torch CXX11 ABI', torch._C._GLIBCXX_USE_CXX11_ABI)"
OUT="$OUT" bash tools/gpu/build.sh || exit 1
. tools/gpu/runtime.sh
build-gpu/bin/viva doctor 2>&1 | tee "$OUT/doctor.txt"
# ctest runs each test in its own process, so a crash names its test and the rest still run.
(cd build-gpu && ctest -j8 --output-on-failure -E "^(Video|Cli|SideBySide|TinyModel|Sft|Manifest|GrpoTrainer|ShapesDataset|ShapesCli|ShapesJudge|VlmCli)" 2>&1) > "$OUT/ctest.log"
grep -E "tests passed|Failed|SEGFAULT|Exception|\*\*\*" "$OUT/ctest.log" | head -40
crashed=$(grep -m1 -o "Test *#[0-9]*: [A-Za-z0-9_./]*.*SegFault" "$OUT/ctest.log" | sed -E 's/^.*#[0-9]+: ([^ ]+) .*$/\1/')
if [ -n "$crashed" ] && command -v cuda-gdb > /dev/null; then
  echo "backtrace of $crashed:"
  cuda-gdb -batch -ex run -ex bt --args build-gpu/tests/viva_tests --gtest_filter="$crashed" 2>&1 | grep -E "^#|signal" | head -25
fi
build-gpu/tests/viva_tests --gtest_filter='*Parity*' --gtest_output=xml:"$OUT/parity.xml" > "$OUT/parity.log" 2>&1
grep -o 'name="[^"]*max_abs_error" value="[^"]*"' "$OUT/parity.xml" | grep -E "fp32|bf16" | head -20
