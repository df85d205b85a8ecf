#!/usr/bin/env bash
# The README's test command (and all that .ci/run does): install, build, run every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/build.sh"
# The page's test in a real browser needs Chromium and Node.js; without them it fails.
"$root/tools/browser/setup.sh"
ctest --test-dir "$root/build" --output-on-failure -j "$(nproc)"
