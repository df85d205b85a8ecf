#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), configures and builds viva into build/: the targets
# named as arguments (e.g. viva_cli, the `viva` program alone), or everything.
#   BUILD_DIR=build CMAKE_ARGS="..." tools/build.sh [TARGET ...]
# A new build folder is configured with clang when it is installed and CC/CXX are not set: on
# libtorch's headers it compiles this project several times faster than GCC (docs/development.md#build).
# Either compiler builds viva; a folder keeps the compiler it was first configured with.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-"$root/build"}
"$root/tools/setup.sh"
if [ ! -f "$build/CMakeCache.txt" ] && [ -z "${CC:-}${CXX:-}" ] && command -v clang++ >/dev/null; then
  export CC=clang CXX=clang++
fi
# shellcheck disable=SC2086
cmake -S "$root" -B "$build" -G Ninja ${CMAKE_ARGS:-} >/dev/null
targets=()
[ $# -eq 0 ] || targets=(--target "$@")
cmake --build "$build" -j "$(nproc)" "${targets[@]}"
