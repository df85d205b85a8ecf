#!/usr/bin/env bash
# A long clip edited whole, with its sound: a 20-second ShapesWorld scene (480 frames at 24 fps,
# `viva data shapes`) given a tune by Debian's ffmpeg, edited by the shipped model in its
# default temporal windows (9 frames sharing 5), then measured: frame count, duration and audio
# of the edit, and the frame-to-frame change where each window takes over against elsewhere.
# Writes OUT/{long.mp4, edited.mp4, side_by_side.mp4, strip.png, seams.json, edit.log}.
#   tools/long_clip_demo.sh OUT [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: tools/long_clip_demo.sh OUT [SECONDS]}
seconds=${2:-20}
viva="$root/build/bin/viva"
frames=$((seconds * 24))
mkdir -p "$out"
rm -rf "$out/data"
# One scene whose edit is a new background (what the shipped model does well).
"$viva" data shapes --out "$out/data" --n 40 --seed 3 --frames "$frames" --fps 24 --size 64 >/dev/null
pick() {  # field $1 of the first video pair whose edit is a new background
  /usr/bin/python3 -c "
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r['kind'] == 'video' and r['task'] == 'background':
        print(r[sys.argv[2]]); break
else:
    sys.exit('no video pair with a new background; try another --seed')" "$out/data/manifest.jsonl" "$1"
}
source="$out/data/$(pick source)"
[ -f "$source" ]
instruction=$(pick instruction)
# A tune: a note every half second, four rising steps over and over.
ffmpeg -v error -y -i "$source" -f lavfi \
  -i "aevalsrc=0.3*sin(2*PI*t*220*pow(2\,floor(mod(2*t\,4))/4)):s=44100:d=$seconds" \
  -c:v libx264 -crf 12 -pix_fmt yuv420p -c:a aac -b:a 96k -shortest "$out/long.mp4"
echo "editing $out/long.mp4 ($frames frames): $instruction"
start=$(date +%s)
"$viva" edit "$out/long.mp4" "$instruction" -o "$out/edited.mp4" --side-by-side "$out/side_by_side.mp4" 2>"$out/edit.log"
echo "edit took $(( $(date +%s) - start )) s"
"$viva" video info "$out/edited.mp4"
# Frames 38-53 of source and edit: windows take over at frames 40, 44, 48 and 52.
ffmpeg -v error -y -i "$out/long.mp4" -i "$out/edited.mp4" -filter_complex \
  "[0:v]select='between(n,38,53)',scale=96:96:flags=neighbor,tile=16x1[a];[1:v]select='between(n,38,53)',scale=96:96:flags=neighbor,tile=16x1[b];[a][b]vstack" \
  -frames:v 1 -update 1 "$out/strip.png"
# Mean absolute change between consecutive frames, at each window's first frame and elsewhere.
ffmpeg -v error -i "$out/edited.mp4" -f rawvideo -pix_fmt rgb24 - | /usr/bin/python3 -c "
import sys, json, numpy as np
v = np.frombuffer(sys.stdin.buffer.read(), np.uint8).reshape(-1, 64, 64, 3).astype(np.float32)
d = np.abs(np.diff(v, axis=0)).mean(axis=(1, 2, 3))  # d[t]: frame t to t+1
takeover = [t - 1 for t in range(4, len(v), 4)]     # into each later window's first frame
other = [t for t in range(len(d)) if t not in set(takeover)]
r = {'frames': len(v), 'mean_step_at_window_starts': float(d[takeover].mean()), 'mean_step_elsewhere': float(d[other].mean()),
     'max_step_at_window_starts': float(d[takeover].max()), 'max_step_elsewhere': float(d[other].max())}
print(json.dumps(r, indent=1))" | tee "$out/seams.json"
