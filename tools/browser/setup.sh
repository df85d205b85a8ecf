#!/usr/bin/env bash
# What the browser test of `viva serve`'s page needs (tests/serve/page_test.sh): Debian's
# Chromium, Node.js with npm, and puppeteer-core from npm (pinned in package-lock.json; it drives
# the installed Chromium and downloads no browser). Idempotent; tools/test.sh runs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "browser setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ ! -f "$here/node_modules/puppeteer-core/package.json" ]; then
  echo "browser setup: npm ci (puppeteer-core)"
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi
