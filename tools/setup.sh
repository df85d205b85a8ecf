#!/usr/bin/env bash
# Installs every Debian package that viva's build, tools and tests need. Idempotent: packages
# already present are skipped and apt is not touched at all when nothing is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-pthread libgloo-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev libstb-dev libpcre2-dev zlib1g-dev
  libcurl4-openssl-dev libcpp-httplib-dev
  clang libclang-rt-14-dev
  python3-torch
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
