#!/usr/bin/env bash
# Every GPU check of #26 and #27 in one call of the device tool, on a fresh lent machine (carry
# .gpu-deps, made here by tools/gpu/carry_deps.sh; timeout_s 590):
#   OUT=$OUT bash tools/gpu/real_scale.sh [build] [train] [dit]   (none: all three, in order)
#  build: viva and the two benchmarks against the pip torch (build.sh; about 2 minutes);
#  train: tools/gpu/train_scale.sh cuda (bf16 SFT sharded, stopped and resumed; Edit-GRPO);
#  dit:   tools/gpu/dit_step.sh run (load RSS onto the GPU; the 13B DiT's step time and memory).
# Each phase writes its results to $OUT as it goes and one status line to $OUT/phases.txt; if
# the call runs out of time, a second call on the still-warm machine runs the phases left.
set -uo pipefail
OUT=${OUT:-/tmp/viva-gpu-out}
mkdir -p "$OUT"
phases=${*:-build train dit}
for phase in $phases; do
  start=$(date +%s)
  case $phase in
    build) BENCH=ON OUT="$OUT" bash tools/gpu/build.sh viva_cli viva_bench_dit_step viva_bench_load ;;
    train) OUT="$OUT" bash tools/gpu/train_scale.sh cuda 2>&1 | tee "$OUT/train_scale.log" ;;
    dit) OUT="$OUT" bash tools/gpu/dit_step.sh run ;;
    *) echo "real_scale: unknown phase $phase (build, train or dit)" >&2; exit 2 ;;
  esac
  rc=$?
  echo "$phase rc=$rc in $(( $(date +%s) - start )) s" | tee -a "$OUT/phases.txt"
  [ "$phase" = build ] && [ $rc != 0 ] && exit $rc
done
exit 0
