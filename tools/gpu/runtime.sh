# Sourced by the tools/gpu scripts on a lent GPU machine, from the repository root: puts the
# runtime libraries carried in .gpu-deps (tools/gpu/carry_deps.sh) on the library path, which
# viva as built by build.sh needs to start.
export LD_LIBRARY_PATH=$PWD/.gpu-deps/usr/runtime:${LD_LIBRARY_PATH:-}
