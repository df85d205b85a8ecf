#!/usr/bin/env bash
# Runs the ShapesWorld recipe (every stage, --device cuda) on a lent GPU machine and returns the
# trained model in bf16 with the recipe's cards, evaluation reports and log, as parts of one
# tar.xz under $OUT (result.tar.xz.part-*; at most 15 MiB each: the machine returns 8 files of
# 16 MiB). Without FFmpeg there, the recipe stores its clips as PNG frame folders.
# Carried: .gpu-deps (FIXTURES=0 tools/gpu/carry_deps.sh); a VAE to start from goes in
# .gpu-data/start (config.json + weights) and is named by the overrides, e.g.
#   {"vae": {"weights": ".gpu-data/start", "steps": 0}, "sft": {"train": {"steps": 4000}}}
# Usage there: OUT=<folder> tools/gpu/recipe.sh SECONDS [OVERRIDES.json]
#   SECONDS: wall time from the start by which the results are packed (an unfinished recipe
#   returns the cards of the stages it finished). Here: rejoin the parts with cat, then untar.
# Rehearsal on this Debian machine: DEVICE=cpu VIVA=build/bin/viva PLAN=smoke.
set -uo pipefail
OUT=${OUT:-/tmp/viva-gpu-out}
mkdir -p "$OUT"
end=$(( $(date +%s) + $1 ))
overrides=${2:-}
DEVICE=${DEVICE:-cuda}
if [ -z "${VIVA:-}" ]; then
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
  OUT=/tmp/build-viva bash tools/gpu/build.sh viva_cli || exit 1
  VIVA=build-gpu/bin/viva
  . tools/gpu/runtime.sh
fi
run=${RUN:-/tmp/recipe}
# Leave a minute to convert and pack.
timeout --signal=INT $(( end - $(date +%s) - 60 )) "$VIVA" recipe shapes --out "$run" --tokenizers models/shapes \
  --plan "${PLAN:-full}" --device "$DEVICE" ${overrides:+--config "$overrides"} > /tmp/recipe.log 2>&1
echo "recipe rc=$?"
# Without the progress lines ("label: n/N (p%) ..."): the stage lines and errors.
grep -v -E "^[^:]+: [0-9]+/[0-9]+ \(" /tmp/recipe.log | tail -200 > "$OUT/recipe.log"
tail -5 "$OUT/recipe.log"
pack=/tmp/pack
rm -rf "$pack" && mkdir -p "$pack"
(cd "$run" && find . -maxdepth 3 \( -name 'card.json' -o -name 'MODEL_CARD.md' -o -name 'plan.json' -o -name 'recipe.jsonl' \
   -o -name 'RECIPE.md' -o -path './eval/*.json' -o -name 'metrics.jsonl' \) -print0 | xargs -0 cp --parents -t "$pack")
[ -d "$run/model" ] && "$VIVA" model convert "$run/model" "$pack/model" --dtype bf16 > /dev/null
tar -C "$pack" -cJf /tmp/result.tar.xz . && split -b 15M -d /tmp/result.tar.xz "$OUT/result.tar.xz.part-"
ls -la "$OUT"
