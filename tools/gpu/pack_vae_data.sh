#!/usr/bin/env bash
# Packs what tools/gpu/train_vae.sh needs into .gpu-data (ignored by git; name it in the device
# tool's `carry`): the first ROWS train rows and 16 validation rows of a ShapesWorld recipe's data
# with videos as PNG folders (the GPU machine has no FFmpeg), xz-compressed, and the recipe's
# model folder without weights (the trainer reads its viva.json and VAE config).
# Usage: tools/gpu/pack_vae_data.sh RECIPE_DIR [ROWS]   (ROWS: 1000, about 19 MB)
set -euo pipefail
cd "$(dirname "$0")/../.."
recipe=$1
rows=${2:-1000}
cmake --build build --target viva_pack_clips > /dev/null
rm -rf .gpu-data && mkdir -p .gpu-data/model/vae
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/bin/viva_pack_clips "$recipe/data" "$tmp/vae_clips" "$rows" 16
tar -C "$tmp" -cf - vae_clips | xz -T2 -6 > .gpu-data/vae_clips.tar.xz
cp "$recipe/init/model/viva.json" .gpu-data/model/
cp "$recipe/init/model/vae/config.json" .gpu-data/model/vae/
gitdir=$(git rev-parse --git-dir)
grep -qx "/.gpu-data/" "$gitdir/info/exclude" 2>/dev/null || echo "/.gpu-data/" >> "$gitdir/info/exclude"
du -sh .gpu-data
