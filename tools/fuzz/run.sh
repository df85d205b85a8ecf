#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for N seconds.
#   tools/fuzz/run.sh [SECONDS=60] [target ...]
# Seeds come from tools/fuzz/seeds/<target>/; the growing corpus and any crash reproducers go
# to build-fuzz/corpus/<target>/ and build-fuzz/crashes/. Runs targets in parallel, one per core.
set -euo pipefail
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_safetensors_header fuzz_video_decoder)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build-fuzz"

CC=clang CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build"

mkdir -p "$build/crashes"
pids=()
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  mkdir -p "$corpus"
  cp -n "$here/seeds/$t/"* "$corpus/" 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s (log: $build/$t.log)"
  "$build/$t" "$corpus" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=20 \
    -artifact_prefix="$build/crashes/$t-" -print_final_stats=1 >"$build/$t.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then
    echo "fuzz: ${targets[$i]}: no failures; $(grep -E '^stat::number_of_executed_units' "$build/${targets[$i]}.log" | awk '{print $2}') runs"
  else
    echo "fuzz: ${targets[$i]}: FAILED, see $build/${targets[$i]}.log and $build/crashes/"
    status=1
  fi
done
exit $status
