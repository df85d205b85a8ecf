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
# The VAE in two stages (measured: 800 steps at lr 2e-3, then 1500 more at 1e-3, 28.6 dB).
cat > vae.json <<JSON
{"model": "base", "manifest": "pairs/manifest.jsonl", "out": "vae_run", "steps": ${VAE_STEPS:-800},
 "lr": 2e-3, "warmup": 50, "checkpoint_every": 500}
JSON
$viva train vae --config vae.json
cat > vae2.json <<JSON
{"model": "vae_run/model", "manifest": "pairs/manifest.jsonl", "out": "vae_run2", "steps": ${VAE_REFINE_STEPS:-1500},
 "lr": 1e-3, "warmup": 20, "checkpoint_every": 250}
JSON
$viva train vae --config vae2.json
$viva data encode pairs/manifest.jsonl --model vae_run2/model --out cache
cat > sft.json <<JSON
{"model": "vae_run2/model", "cache": "cache", "out": "sft_run", "steps": ${SFT_STEPS:-1500}, "lr": 1e-3,
 "batch_size": 2, "warmup": 20, "instruction_dropout": 0.0, "weight_decay": 0.0, "checkpoint_every": 500}
JSON
$viva train sft --config sft.json
# Every training pair edited with its own instruction and compared with its target.
for i in $(seq 0 $(( ${PAIRS:-4} - 1 ))); do
  $viva edit pairs/pair${i}_source.mkv "invert the colours in box $i" -o edit$i.mkv --model sft_run/model \
    --side-by-side side_by_side$i.mp4 > /dev/null
  $viva video convert pairs/pair${i}_target.mkv target$i.mkv --vae-frames truncate > /dev/null 2>&1
  echo "pair$i edit vs target PSNR: $($viva video psnr edit$i.mkv target$i.mkv) dB"
done
grep '"finished"' vae_run2/metrics.jsonl | sed 's/.*"psnr_db":\([0-9.]*\).*/VAE reconstruction (mean over clips): \1 dB/'
python3 - <<PY || true
import json
losses = [json.loads(l)["loss"] for l in open("sft_run/metrics.jsonl") if '"event":"step"' in l]
head, tail = sum(losses[:20]) / 20, sum(losses[-20:]) / 20
print(f"SFT loss: first 20 steps {head:.4f}, last 20 steps {tail:.4f}, ratio {head / tail:.1f}x")
PY
