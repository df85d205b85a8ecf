#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), configures and builds viva into build/: the targets
# named as arguments (e.g. viva_cli, the `viva` program alone), or everything.
#   BUILD_DIR=build CMAKE_ARGS="..." tools/build.sh [TARGET ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-"$root/build"}
"$root/tools/setup.sh"
# shellcheck disable=SC2086
cmake -S "$root" -B "$build" -G Ninja ${CMAKE_ARGS:-} >/dev/null
targets=()
[ $# -eq 0 ] || targets=(--target "$@")
cmake --build "$build" -j "$(nproc)" "${targets[@]}"
