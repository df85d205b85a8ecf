# Sourced by the tools/gpu scripts on a lent GPU machine, from the repository root: puts the
# runtime libraries carried in .gpu-deps (tools/gpu/carry_deps.sh) on the library path, which
# viva as built by build.sh needs to start.
export LD_LIBRARY_PATH=$PWD/.gpu-deps/usr/runtime:${LD_LIBRARY_PATH:-}
# carry_deps.sh leaves out Llama-3's tokenizer.json, which the shipped model holds too.
llama3=.gpu-deps/shared/tokenizers/llama3
if [ -d $llama3 ] && [ ! -f $llama3/tokenizer.json ]; then cp models/shapes/tokenizer/tokenizer.json $llama3/; fi
