#!/usr/bin/env bash
# Training at scale on one lent GPU (WORLD_SIZE=1; the device tool lends one): on the tiny
# model and ShapesWorld pairs, SFT with bf16 autocast, activation checkpointing and
# "sharding": "full", stopped and resumed; then Edit-GRPO with bf16, checkpointing and two
# updates per group. Each run's last step line goes to $OUT. On the GPU machine viva must be
# built there first (tools/gpu/real_scale.sh does both; carry .gpu-deps only).
#   OUT=<folder> [DTYPE=bf16|fp32] tools/gpu/train_scale.sh [cuda|cpu]
set -euo pipefail
OUT=${OUT:-/tmp/viva-gpu-out}
DEVICE=${1:-cuda}
DTYPE=${DTYPE:-bf16}  # autocast; a dry run here on the CPU takes the same path
mkdir -p "$OUT"
[ -f tools/gpu/runtime.sh ] && [ "$DEVICE" != cpu ] && . tools/gpu/runtime.sh
VIVA=${VIVA:-build-gpu/bin/viva}
# (.gpu-deps/shared/tokenizers is whole only once runtime.sh has run, on the GPU machine.)
[ "$DEVICE" = cpu ] && TOKENIZERS=${TOKENIZERS:-../shared/tokenizers}
TOKENIZERS=${TOKENIZERS:-.gpu-deps/shared/tokenizers}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$VIVA" model init --out "$WORK/model" --tokenizers "$TOKENIZERS" > /dev/null
"$VIVA" data shapes --out "$WORK/pairs" --n 16 --size 64 --frames 5 > /dev/null
"$VIVA" data encode "$WORK/pairs/manifest.jsonl" --model "$WORK/model" --out "$WORK/cache" --device "$DEVICE" > /dev/null
cat > "$WORK/sft.json" <<JSON
{"model": "$WORK/model", "cache": "$WORK/cache", "out": "$WORK/sft", "steps": 6, "checkpoint_every": 2,
 "device": "$DEVICE", "dtype": "$DTYPE", "activation_checkpointing": true, "sharding": "full"}
JSON
"$VIVA" train sft --config "$WORK/sft.json" --plan-memory | tee "$OUT/sft_plan.txt"
"$VIVA" train sft --config "$WORK/sft.json" --stop-after 3 | tail -1
"$VIVA" train sft --config "$WORK/sft.json" --resume | tee "$OUT/sft.txt"
grep '"event":"step"' "$WORK/sft/metrics.jsonl" | tail -1 > "$OUT/sft_last_step.json"
"$VIVA" model consolidate "$WORK/sft" --out "$WORK/consolidated" | tee -a "$OUT/sft.txt"

cat > "$WORK/grpo.json" <<JSON
{"model": "$WORK/sft/model", "prompts": "$WORK/pairs/manifest.jsonl", "out": "$WORK/grpo", "steps": 3,
 "rewards": {"weights": {"instruction": 0, "preservation": 0, "pickscore": 0, "brightness": 1}},
 "lora": {"rank": 4, "alpha": 4}, "group_size": 4, "sampling_steps": 4, "updates_per_group": 2,
 "device": "$DEVICE", "dtype": "$DTYPE", "activation_checkpointing": true}
JSON
"$VIVA" train grpo --config "$WORK/grpo.json" | tee "$OUT/grpo.txt"
grep '"event":"step"' "$WORK/grpo/metrics.jsonl" | tail -1 > "$OUT/grpo_last_step.json"
echo "train_scale: done on $DEVICE"
