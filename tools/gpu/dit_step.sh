#!/usr/bin/env bash
# The GPU figures of running at real scale, in two calls of the device tool (each under its
# 10-minute limit; carry .gpu-deps and, for `run`, build-gpu):
#   OUT=<folder> tools/gpu/dit_step.sh build   builds the two benchmarks against the pip torch
#   OUT=<folder> tools/gpu/dit_step.sh run     runs them:
#  - viva_bench_dit_step: the 13B DiT with random bf16 weights at 960x544 and 1280x720, 129
#    frames: seconds per forward, peak device memory with the blocks offloaded and with all
#    resident, the attention kernel, beside the published 38 s a step (dit_step.jsonl);
#  - viva_bench_load --device cuda: host RSS growth while loading the released-width,
#    reduced-depth components onto the GPU, against their largest shard (load_cuda.md).
set -uo pipefail
OUT=${OUT:-/tmp/viva-gpu-out}
mkdir -p "$OUT"
case "${1:-}" in
  build)
    BENCH=ON OUT="$OUT" bash tools/gpu/build.sh viva_bench_dit_step viva_bench_load
    ;;
  run)
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
    . tools/gpu/runtime.sh
    build-gpu/bin/viva_bench_dit_step --device cuda --sizes 960x544,1280x720 --frames 129 | tee "$OUT/dit_step.jsonl"
    build-gpu/bin/viva_bench_load --device cuda .gpu-deps/shared/tokenizers /tmp/viva-bench-load | tee "$OUT/load_cuda.md"
    ;;
  *)
    echo "usage: OUT=<folder> tools/gpu/dit_step.sh build|run" >&2
    exit 2
    ;;
esac
