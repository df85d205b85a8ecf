#!/usr/bin/env bash
# The README's main command: install, build, then run the main job. Until the default model
# ships, the main job is `viva doctor` and a decode -> resize -> encode round trip of the
# shipped sample clip, written to out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/build.sh"
viva="$root/build/bin/viva"
mkdir -p "$root/out"
"$viva" doctor
"$viva" video convert "$root/samples/sample.mp4" "$root/out/sample_256x256.mp4" --size 256x256 --vae-frames truncate
"$viva" video info "$root/out/sample_256x256.mp4"
