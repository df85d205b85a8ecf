#!/usr/bin/env bash
# Trains ShapesWorld VAE variants side by side on a lent GPU machine, one process each (the tiny
# models leave the GPU mostly idle, so they share it), each for as many steps as fit before a
# deadline, measured by a short calibration run of each. Returns each variant's VAE folder
# (config.json, weights) and its metrics, every 20th step, in $OUT/<variant>/; builds and runs
# the CUDA parity tests meanwhile ($OUT/parity.log) when the fixtures were carried.
# Carried: .gpu-deps (carry_deps.sh) and .gpu-data (pack_vae_data.sh).
# Usage there: OUT=<folder> tools/gpu/train_vae.sh SECONDS VARIANT...
#   SECONDS: wall time from the start by which every run has ended; VARIANT: tools/gpu/vae_variants/VARIANT.json
set -uo pipefail
OUT=${OUT:-/tmp/viva-gpu-out}
mkdir -p "$OUT"
end=$(( $(date +%s) + $1 ))
shift
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
rm -rf /tmp/vae_clips && tar -C /tmp -xJf .gpu-data/vae_clips.tar.xz || exit 1
# DEVICE=cpu VIVA=build/bin/viva: a rehearsal on this Debian machine (no build, no parity tests).
DEVICE=${DEVICE:-cuda}
if [ -z "${VIVA:-}" ]; then
  OUT=/tmp/build-viva bash tools/gpu/build.sh viva_cli || exit 1
  VIVA=build-gpu/bin/viva
  . tools/gpu/runtime.sh
  # The parity tests need the fixtures (left out by FIXTURES=0 carry_deps.sh).
  [ -d .gpu-deps/shared/golden ] &&
    (OUT=/tmp/build-tests JOBS=6 nice bash tools/gpu/build.sh viva_tests > /tmp/build-tests.txt 2>&1 &&
       build-gpu/tests/viva_tests --gtest_filter='*Parity*' > "$OUT/parity.log" 2>&1 ||
       cp /tmp/build-tests.txt "$OUT/parity.log") &
fi

# config VARIANT NAME MANIFEST STEPS HELDOUT_CLIPS: writes /tmp/NAME.json for out dir /tmp/NAME.
config() {
  python3 - "$@" <<PY
import json, sys
variant, name, manifest, steps, heldout = sys.argv[1:]
c = json.load(open(f"tools/gpu/vae_variants/{variant}.json"))
c.update(model=".gpu-data/model", manifest=manifest, out=f"/tmp/{name}", steps=int(steps), heldout_clips=int(heldout),
         checkpoint_every=max(int(steps) // 4, 1), device="$DEVICE")
json.dump(c, open(f"/tmp/{name}.json", "w"))
PY
}
# Seconds per step over the last two thirds of a calibration run of CAL steps on 60 rows.
CAL=${CAL:-60}
head -n 60 /tmp/vae_clips/manifest.jsonl > /tmp/vae_clips/calibration.jsonl
pids=()
for v in "$@"; do
  config "$v" "cal-$v" /tmp/vae_clips/calibration.jsonl "$CAL" 0
  "$VIVA" train vae --config "/tmp/cal-$v.json" > "/tmp/cal-$v.log" 2>&1 & pids+=($!)
done
wait "${pids[@]}"
pids=()
for v in "$@"; do
  per_step=$(python3 -c "
import json
t = {e['step']: e['time'] for e in map(json.loads, open('/tmp/cal-$v/metrics.jsonl')) if e['event'] == 'step'}
print((t[$CAL] - t[$CAL // 3]) / ($CAL - $CAL // 3))") || { tail -5 "/tmp/cal-$v.log"; exit 1; }
  # Reserve 100 s for reading the clips, the final PSNR and copying.
  steps=$(python3 -c "print(max(10, int(($end - $(date +%s) - 100) / $per_step)))")
  echo "$v: $per_step s/step alone with the others; training $steps steps"
  config "$v" "$v" /tmp/vae_clips/manifest.jsonl "$steps" 32
  timeout $(( end - $(date +%s) > 30 ? end - $(date +%s) - 15 : 15 )) "$VIVA" train vae --config "/tmp/$v.json" > "/tmp/$v.log" 2>&1 & pids+=($!)
done
wait "${pids[@]}"
for v in "$@"; do
  mkdir -p "$OUT/$v"
  tail -2 "/tmp/$v.log"
  if [ -d "/tmp/$v/model/vae" ]; then
    cp /tmp/$v/model/vae/* "$OUT/$v/"
  else
    echo "$v: not finished; returning its latest checkpoint"
    cp "/tmp/$v/checkpoints/$(cat "/tmp/$v/checkpoints/latest")/weights.safetensors" "$OUT/$v/"
  fi
  python3 -c "
import json
for line in open('/tmp/$v/metrics.jsonl'):
    e = json.loads(line)
    if e['event'] != 'step' or e['step'] % 20 == 0: print(line, end='')" > "$OUT/$v/metrics.jsonl"
done
wait
[ -f "$OUT/parity.log" ] && grep -E "OK|FAILED|PASSED|error" "$OUT/parity.log" | head -20
