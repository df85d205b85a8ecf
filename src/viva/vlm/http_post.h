#pragma once
// One HTTP(S) POST, the only network call viva makes (the VLM client's). http_post_curl.cpp
// implements it with libcurl; http_post_absent.cpp stands in when viva is built without libcurl
// (cmake -DVIVA_CURL=OFF, or AUTO with libcurl not found) and refuses with a clear error.
#include <string>
#include <utility>
#include <vector>

#include "viva/core/error.h"

namespace viva {

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string body;
  double timeout_s = 60.0;  // the whole exchange, connection included
};

struct HttpResponse {
  long status = 0;
  std::string body;
  double retry_after_s = -1.0;  // the Retry-After header in seconds; negative when absent
};

// The request never reached an answer: refused or unreachable host, DNS failure, TLS failure,
// timeout, connection dropped mid-answer. Always worth retrying; `timed_out` says which.
class HttpTransportError : public Error {
 public:
  HttpTransportError(const std::string& message, bool timed_out) : Error(message), timed_out_(timed_out) {}
  bool timed_out() const { return timed_out_; }

 private:
  bool timed_out_;
};

// Sends the request and returns whatever status came back (4xx and 5xx included). Throws
// HttpTransportError when no answer arrived and viva::Error when built without libcurl.
// Safe to call from several threads at once.
HttpResponse http_post(const HttpRequest& request);

// "libcurl/7.88.1 OpenSSL/3.0.15" (with its TLS library), or "" when viva was built without libcurl.
std::string http_backend_version();

}  // namespace viva
