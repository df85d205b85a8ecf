#!/usr/bin/env bash
# The GPU figures of running at real scale (#26), on a lent GPU machine (carry .gpu-deps only:
# build-gpu exists on that machine alone, kept there between calls while it stays warm):
#   OUT=<folder> tools/gpu/dit_step.sh build   builds the two benchmarks against the pip torch
#   OUT=<folder> tools/gpu/dit_step.sh run     runs them (after build, in the same call or a later one)
#  - viva_bench_dit_step: the 13B DiT with bf16 weights at 960x544 and 1280x720, 129 frames:
#    seconds per forward, peak device memory with the blocks offloaded and with all resident
#    (one process per plan, so that neither holds the other's cached memory), the attention
#    kernel, beside the published 38 s a step (dit_step.jsonl);
#  - viva_bench_load --device cuda: host RSS growth while loading the released-width,
#    reduced-depth components onto the GPU, against their largest shard (load_cuda.md).
# tools/gpu/real_scale.sh runs these with the training checks in one call.
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
    build-gpu/bin/viva_bench_load --device cuda .gpu-deps/shared/tokenizers /tmp/viva-bench-load | tee "$OUT/load_cuda.md"
    : > "$OUT/dit_step.jsonl"
    for plan in blocks none; do
      build-gpu/bin/viva_bench_dit_step --device cuda --plans $plan --sizes 960x544,1280x720 --frames 129 |
        tee -a "$OUT/dit_step.jsonl"
    done
    # The same weights and inputs in both processes: the offloaded and resident outputs agree.
    python3 -c "import json, sys; rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
for size in sorted({r['size'] for r in rows}):
    sums = {r['offload']: r['output_sum'] for r in rows if r['size'] == size}
    print(size, 'output sums', sums, 'equal' if len(sums) == 2 and len(set(sums.values())) == 1 else 'DIFFER (or a plan missing)')" "$OUT/dit_step.jsonl" |
      tee "$OUT/dit_step_sums.txt"
    ;;
  *)
    echo "usage: OUT=<folder> tools/gpu/dit_step.sh build|run" >&2
    exit 2
    ;;
esac
