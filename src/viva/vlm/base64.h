#pragma once
// Base64 (RFC 4648, standard alphabet, '=' padding): images travel inside JSON requests to the
// VLM as data URLs.
#include <string>

namespace viva {

std::string base64_encode(const std::string& bytes);

// Strict: only the standard alphabet, length a multiple of 4, padding only at the end. Throws
// viva::Error on anything else (a lenient decoder would hide a corrupted request in tests).
std::string base64_decode(const std::string& text);

}  // namespace viva
