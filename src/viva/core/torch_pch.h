#pragma once
// Precompiled header for every translation unit that uses libtorch.
#include <torch/torch.h>
