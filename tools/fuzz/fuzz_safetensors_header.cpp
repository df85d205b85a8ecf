// libFuzzer target: the safetensors header parser must reject any input with viva::Error and
// never crash, read out of bounds or accept inconsistent offsets.
#include <cstddef>
#include <cstdint>

#include "viva/core/error.h"
#include "viva/core/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const viva::SafetensorsHeader header = viva::parse_safetensors_header(data, size, size, "fuzz.safetensors");
    // Whatever is accepted must be self-consistent: every tensor lies inside the file.
    for (const auto& t : header.tensors)
      if (header.data_offset + t.end > size || t.end < t.begin) __builtin_trap();
  } catch (const viva::Error&) {
  }
  return 0;
}
