#pragma once
// PyTorch pickles (.pth, .pt, .bin written by torch.save in its zip format, PyTorch >= 1.6) read
// safely. libtorch's own unpickler cannot serve: it turns every collections.OrderedDict, which
// is what a state_dict is, into None. So the pickle program is interpreted here by a small
// machine that knows only the opcodes of pickle protocols 2-4 that plain data uses and a fixed
// list of globals (OrderedDict, torch's tensor and parameter rebuilders, the typed storages, the
// type tags of libtorch's own pickle_save);
// any other global is refused before anything is built, so nothing in the file can run. Storages
// are found in the archive by libtorch's PyTorchStreamReader and read in place from the
// memory-mapped file (torch.save stores them uncompressed), so opening a large checkpoint reads
// only its pickle; a tensor's pages come in as it is copied out. The result is walked keeping
// the tensors under dotted paths ({"model": {"w": t}} -> "model.w"; list items by index) and
// skipping plain values (numbers, strings, None).
#include <string>
#include <vector>

#include "viva/core/safetensors.h"

namespace viva {

// Whether `path` starts like a zip archive (torch.save's format); safetensors files do not.
bool is_pytorch_pickle(const std::string& path);

// The tensors, sorted by name, each contiguous; they read the memory-mapped file (read-only: copy
// before writing) and keep it mapped while they live (strided views are copied out).
std::vector<NamedTensor> read_pickled_tensors(const std::string& path);

}  // namespace viva
