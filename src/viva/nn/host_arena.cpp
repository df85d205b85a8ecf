#include "viva/nn/host_arena.h"

#include <algorithm>

#include "viva/core/error.h"

namespace viva {
namespace {

constexpr int64_t kAlignment = 256;  // every tensor's first byte, as CUDA's allocations are

int64_t aligned(int64_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

int64_t power_of_two_at_least(int64_t bytes) {
  int64_t p = kAlignment;
  while (p < bytes) p *= 2;
  return p;
}

}  // namespace

HostArena HostArena::holding(const std::vector<torch::Tensor>& tensors, bool pinned, const Placed& placed,
                             int64_t chunk_bytes) {
  if (chunk_bytes < kAlignment || power_of_two_at_least(chunk_bytes) != chunk_bytes)
    throw Error("host arena", "chunk size must be a power of two of at least " + std::to_string(kAlignment) +
                                  " bytes, not " + std::to_string(chunk_bytes));
  // First-fit: each tensor goes to the first chunk with room; a tensor larger than a chunk gets
  // a chunk of its own.
  struct Place {
    std::size_t chunk;
    int64_t offset;
  };
  std::vector<int64_t> used, capacity;  // bytes of each chunk
  std::vector<Place> places;
  for (const auto& t : tensors) {
    const int64_t bytes = aligned(std::max<int64_t>(1, t.numel() * static_cast<int64_t>(t.element_size())));
    std::size_t c = 0;
    while (c < used.size() && used[c] + bytes > capacity[c]) ++c;
    if (c == used.size()) {
      used.push_back(0);
      capacity.push_back(std::max(chunk_bytes, power_of_two_at_least(bytes)));
    }
    places.push_back({c, used[c]});
    used[c] += bytes;
  }
  HostArena arena;
  arena.chunks_.resize(used.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const torch::Tensor& t = tensors[i];
    torch::Tensor& chunk = arena.chunks_[places[i].chunk];
    // The power of two its tensors need: below `chunk_bytes` only for partly filled chunks.
    if (!chunk.defined())
      chunk = torch::empty({power_of_two_at_least(used[places[i].chunk])},
                           torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(pinned));
    const int64_t size = t.numel() * static_cast<int64_t>(t.element_size());
    torch::Tensor host = chunk.narrow(0, places[i].offset, size).view(t.scalar_type()).view(t.sizes());
    host.copy_(t.detach());
    arena.tensors_.push_back(host);
    if (placed) placed(i, host);
  }
  return arena;
}

std::vector<int64_t> HostArena::chunk_bytes() const {
  std::vector<int64_t> out;
  for (const auto& c : chunks_) out.push_back(c.numel());
  return out;
}

int64_t HostArena::allocated_bytes() const {
  int64_t total = 0;
  for (const int64_t b : chunk_bytes()) total += b;
  return total;
}

}  // namespace viva
