#!/usr/bin/env bash
# The SFT overfit check of the VIVA training machinery on the tiny preset (CPU, minutes):
# a tiny model, a few toy pairs, the VAE trained on their clips, the condition cache, SFT until
# the loss has fallen, then `viva edit` on a training source compared with its target (PSNR).
# Usage: tools/overfit_tiny.sh [WORK_DIR]   (needs a built build/bin/viva and ../shared/tokenizers)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
viva="$root/build/bin/viva --threads ${THREADS:-1}"
work=${1:-/tmp/viva-overfit}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
$viva model init --out base --tokenizers "$root/../shared/tokenizers"
$viva data toy --out pairs --n ${PAIRS:-4}
cat > vae.json <<JSON
{"model": "base", "manifest": "pairs/manifest.jsonl", "out": "vae_run", "steps": ${VAE_STEPS:-800},
 "lr": 2e-3, "warmup": 50, "checkpoint_every": 500}
JSON
$viva train vae --config vae.json
$viva data encode pairs/manifest.jsonl --model vae_run/model --out cache
cat > sft.json <<JSON
{"model": "vae_run/model", "cache": "cache", "out": "sft_run", "steps": ${SFT_STEPS:-400}, "lr": 1e-3,
 "batch_size": 2, "warmup": 20, "instruction_dropout": 0.0, "weight_decay": 0.0, "checkpoint_every": 200}
JSON
$viva train sft --config sft.json
$viva edit pairs/pair0_source.mkv "invert the colours in box 0" -o edit.mkv --model sft_run/model \
  --side-by-side side_by_side.mp4
$viva video convert pairs/pair0_target.mkv target_fitted.mkv --vae-frames truncate > /dev/null
echo "edit vs target PSNR: $($viva video psnr edit.mkv target_fitted.mkv) dB"
python3 - <<PY || true
import json
losses = [json.loads(l)["loss"] for l in open("sft_run/metrics.jsonl") if '"event":"step"' in l]
head, tail = sum(losses[:20]) / 20, sum(losses[-20:]) / 20
print(f"SFT loss: first 20 steps {head:.4f}, last 20 steps {tail:.4f}, ratio {head / tail:.1f}x")
PY
