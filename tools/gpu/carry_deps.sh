#!/usr/bin/env bash
# Copies the build dependencies a GPU machine without apt lacks (header-only libraries, GoogleTest's
# source, built there by check.sh, PCRE2 and zlib, and ../shared's fixtures) from this Debian machine into .gpu-deps/usr, which the device
# tool carries (name it in `carry`) and tools/gpu/build.sh puts on CMAKE_PREFIX_PATH.
# Usage: [FIXTURES=0] tools/gpu/carry_deps.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup.sh
d=.gpu-deps/usr
lib=/usr/lib/x86_64-linux-gnu
rm -rf .gpu-deps
mkdir -p $d/include $d/lib/x86_64-linux-gnu/cmake $d/share/cmake $d/runtime
cp -r /usr/include/{nlohmann,CLI,stb,pcre2.h,zlib.h} $d/include/
cp /usr/include/x86_64-linux-gnu/zconf.h $d/include/ 2>/dev/null || cp /usr/include/zconf.h $d/include/
cp -r /usr/src/googletest .gpu-deps/googletest-src
cp -r /usr/share/cmake/nlohmann_json /usr/share/cmake/CLI11 $d/share/cmake/
cp -L $lib/libpcre2-8.so $lib/libz.so $d/lib/x86_64-linux-gnu/
cp -L $lib/libpcre2-8.so.0 $d/runtime/
# The golden fixtures and tokenizers the tests read (../shared does not travel; 21 MB).
# The device tool carries at most 64 MiB, the repository (36 MB) included, so Llama-3's
# tokenizer.json (9 MB), which the shipped model holds too, is left out: runtime.sh puts the
# shipped model's copy in its place there (with it the tree would be 64.3 MiB). FIXTURES=0
# leaves the fixtures out (train_vae.sh, which carries its data).
if [ "${FIXTURES:-1}" = 1 ]; then
  mkdir -p .gpu-deps/shared
  cp -r ../shared/golden ../shared/tokenizers .gpu-deps/shared/
  cmp -s .gpu-deps/shared/tokenizers/llama3/tokenizer.json models/shapes/tokenizer/tokenizer.json &&
    rm .gpu-deps/shared/tokenizers/llama3/tokenizer.json
fi
gitdir=$(git rev-parse --git-dir)
mkdir -p "$gitdir/info"
grep -qx "/.gpu-deps/" "$gitdir/info/exclude" 2>/dev/null || echo "/.gpu-deps/" >> "$gitdir/info/exclude"
du -sh .gpu-deps
