#pragma once
// The one error type viva throws for anything a user can cause or fix: a bad file, a bad
// option, a missing device. The CLI prints what() as "viva: error: <what>" and exits 1.
#include <stdexcept>
#include <string>

namespace viva {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  // "<context>: <reason>", e.g. Error("reading model.safetensors", "header is not JSON").
  Error(const std::string& context, const std::string& reason)
      : std::runtime_error(context + ": " + reason) {}
};

// Builds an Error whose context is a file path ("<path>: <reason>").
Error file_error(const std::string& path, const std::string& reason);

// Human-readable byte count ("1.5 MiB").
std::string format_bytes(double bytes);

}  // namespace viva
