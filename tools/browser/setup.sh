#!/usr/bin/env bash
# What the browser test of `viva serve`'s page needs (tests/serve/page_test.sh): Debian's Chromium
# and Node.js. The test drives Chromium over its DevTools pipe with Node's own modules, so nothing
# comes from npm and no browser is downloaded. Idempotent; tools/test.sh runs it.
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "browser setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
