#!/usr/bin/env bash
# CTest's entry to the page's browser test: node must be there (tools/test.sh installs it with
# Chromium); the test itself skips (77) only when Chromium cannot start.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null || { echo "page test: node is missing (run tools/browser/setup.sh)"; exit 1; }
exec node "$here/page_test.mjs" "$@"
