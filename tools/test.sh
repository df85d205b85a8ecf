#!/usr/bin/env bash
# The README's test command (and all that .ci/run does): install, build, run every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/build.sh"
ctest --test-dir "$root/build" --output-on-failure -j "$(nproc)"
