#!/usr/bin/env bash
# Runs the ShapesWorld recipe (every stage, --device cuda) on a lent GPU machine and returns the
# trained model in bf16 with the recipe's cards, evaluation reports and log, as parts of one
# tar.xz under $OUT (result.tar.xz.part-*; at most 15 MiB each: the machine returns 8 files of
# 16 MiB). Without FFmpeg there, the recipe stores its clips as PNG frame folders.
# Carried: .gpu-deps (FIXTURES=0 tools/gpu/carry_deps.sh); a VAE to start from goes in
# .gpu-data/start (config.json + weights) and is named by the overrides, e.g.
#   {"vae": {"weights": ".gpu-data/start", "steps": 0}, "sft": {"train": {"steps": 4000}}}
# tools/gpu/shapes_gpu.json is the one the GPU run used: the shipped GPU VAE, more rows, larger
# batches and step counts that the time budget below cuts short; shapes_gpu_patch1.json is the
# same with a DiT on 1x1x1 patches (4x the tokens; it learns faster per step);
# shapes_gpu_mixture.json trains both DiT stages with the σ mixture (high_noise_fraction) on
# twice the SFT rows (docs/runs/README.md, "Runs shapes8–shapes10: a σ mixture");
# shapes_gpu_sigma1.json puts half of both stages' samples at σ ≈ 1 and SFT's other half at
# shift 1 ("Runs shapes11–shapes13: train where sampling starts"); shapes_gpu_sigma1_patch1.json
# is that with 1x1x1 patches, the plan of run shapes14 (the whole recipe in 5.6 minutes on an
# H200); shapes_gpu_objects.json is run shapes14's plan with scene-wide edits drawn a quarter as
# often in SFT (task_weights), whose samples then go mostly to the object edits it never fit
# (docs/runs/README.md, "Object edits: fine-tunes of shapes14's SFT model").
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
# The DiT stages train for as long as the deadline allows (TrainingOptions::max_minutes): what is
# left after the build, less RESERVE seconds for the other stages (data, VAE, VLM, CLIP, PickScore,
# caches, evaluation) and a minute to pack, split 1:2 between text-to-video and SFT; GRPO gets a
# minute. A max_minutes in the overrides wins; SFT then gets what text-to-video leaves.
left=$(( end - $(date +%s) - 60 - ${RESERVE:-240} ))
python3 - "$overrides" "$left" > /tmp/timed-overrides.json <<'PY' || exit 1
import json, sys
o = json.load(open(sys.argv[1])) if sys.argv[1] else {}
minutes = max(int(sys.argv[2]), 90) / 60
t2v = o.setdefault("t2v", {}).setdefault("train", {}).setdefault("max_minutes", round(minutes / 3, 2))
o.setdefault("sft", {}).setdefault("train", {}).setdefault("max_minutes", round(max(minutes - t2v, 0.5), 2))
o.setdefault("grpo", {}).setdefault("max_minutes", 1.0)
print(json.dumps(o))
PY
echo "training budget: $(cat /tmp/timed-overrides.json)"
overrides=/tmp/timed-overrides.json
run=${RUN:-/tmp/recipe}
# Leave a minute to convert and pack.
timeout --signal=INT $(( end - $(date +%s) - 60 )) "$VIVA" recipe shapes --out "$run" --tokenizers models/shapes \
  --plan "${PLAN:-full}" --device "$DEVICE" --config "$overrides" > /tmp/recipe.log 2>&1
echo "recipe rc=$?"
# Without the progress lines ("label: n/N (p%) ..."): the stage lines and errors.
grep -v -E "^[^:]+: [0-9]+/[0-9]+ \(" /tmp/recipe.log | tail -200 > "$OUT/recipe.log"
tail -5 "$OUT/recipe.log"
pack=/tmp/pack
rm -rf "$pack" && mkdir -p "$pack"
(cd "$run" && find . -maxdepth 3 \( -name 'card.json' -o -name 'MODEL_CARD.md' -o -name 'plan.json' -o -name 'recipe.jsonl' \
   -o -name 'RECIPE.md' -o -path './eval/*.json' -o -name 'metrics.jsonl' \) -print0 | xargs -0 cp --parents -t "$pack")
# Cut short during GRPO or the evaluation: the SFT model is the newest finished one. PACK_MODELS
# chooses (PACK_MODELS=sft/run/model: the SFT model, for GRPO and the evaluation elsewhere).
for m in ${PACK_MODELS:-model sft/run/model}; do
  [ -d "$run/$m" ] && { "$VIVA" model convert "$run/$m" "$pack/model" --dtype bf16 > /dev/null; echo "packed $m"; break; }
done
tar -C "$pack" -cJf /tmp/result.tar.xz . && split -b 15M -d /tmp/result.tar.xz "$OUT/result.tar.xz.part-"
ls -la "$OUT"
