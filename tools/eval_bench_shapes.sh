#!/usr/bin/env bash
# The README's evaluation table: the shipped model's edits of a fresh ShapesWorld test split,
# scored by `viva eval bench` with every automatic column and the oracle judge's. Released metric
# weights cannot be downloaded here, so the CLIP columns use CLIPs trained on ShapesWorld by
# `viva train clip` (contrastive for CLIP B/32 and L/14, preference for PickScore) and DINO,
# DINOv2 and ViCLIP are tiny random models (`viva model init-metric`): those columns test the
# computation, not the edits. Resumable: rerun with the same OUT.
#   tools/eval_bench_shapes.sh [OUT] [PAIRS] [CLIP_STEPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
viva="$root/build/bin/viva"
out=${1:-/tmp/viva-eval-bench}
pairs=${2:-720}
clip_steps=${3:-600}
merges="$root/models/shapes/tokenizer_2/bpe_simple_vocab_16e6.txt.gz"
mkdir -p "$out"

[ -f "$out/data/manifest.jsonl" ] || "$viva" data shapes --out "$out/data" --n "$pairs" --seed 11
for objective in contrastive preference; do
  [ -d "$out/$objective/model" ] && continue
  cat >"$out/$objective.json" <<JSON
{"manifest": "$out/data/manifest.jsonl", "out": "$out/$objective", "merges": "$merges",
 "objective": "$objective", "steps": $clip_steps, "checkpoint_every": 200, "seed": 0}
JSON
  resume=()
  [ -d "$out/$objective/checkpoints" ] && resume=(--resume)
  "$viva" train clip --config "$out/$objective.json" "${resume[@]}"
done
for kind in dino dinov2 viclip; do
  [ -d "$out/$kind" ] || "$viva" model init-metric "$kind" --out "$out/$kind" --seed 0
done
"$viva" eval model --model "$root/models/shapes" --manifest "$out/data/manifest.jsonl" --split test --out "$out/edits"
"$viva" eval bench --manifest "$out/data/manifest.jsonl" --pred "$out/edits/test" --out "$out/bench" --split test --shapes \
  --dino "$out/dino" --dinov2 "$out/dinov2" --clip-b32 "$out/contrastive/model" --clip-l14 "$out/contrastive/model" \
  --pickscore "$out/preference/model" --viclip "$out/viclip" --viclip-merges "$merges"
