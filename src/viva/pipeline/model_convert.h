#pragma once
// `viva model convert`: a model folder with every floating-point tensor stored in another dtype
// (bf16 halves a folder's size; weights are cast back to the compute dtype when loaded).
#include <torch/torch.h>

#include <string>

namespace viva {

struct ModelConvertSummary {
  int64_t files = 0, tensors = 0;
  int64_t bytes_before = 0, bytes_after = 0;  // of the safetensors files
};

// Fails if `out` exists; writes under a temporary name and renames.
ModelConvertSummary convert_model_dtype(const std::string& in, const std::string& out, torch::ScalarType dtype);

}  // namespace viva
