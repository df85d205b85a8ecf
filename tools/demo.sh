#!/usr/bin/env bash
# The README's main command: install, build, then the main job — `viva edit` with the shipped
# default model (models/shapes) on the shipped ShapesWorld sample clip (samples/shapes/, a
# held-out validation pair), writing the edited clip and a side-by-side video to out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/build.sh" viva_cli  # the `viva` program alone; tools/test.sh builds the rest
mkdir -p "$root/out"
"$root/build/bin/viva" edit "$root/samples/shapes/media/shapes-001945_source.mkv" "Replace the background with a sandy beach." \
  -o "$root/out/edited.mp4" --side-by-side "$root/out/side_by_side.mp4"
