// http_post over libcurl's easy interface: one handle per request, so threads never share one.
#include <curl/curl.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "viva/vlm/http_post.h"

namespace viva {
namespace {

// A reply larger than this is not a chat completion; stop reading instead of filling memory.
constexpr std::size_t kMaxResponseBytes = 64u << 20;

void global_init_once() {
  // curl_global_init is not thread-safe in older libcurl; run it once before any handle.
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("starting libcurl", "curl_global_init failed");
  });
}

struct Received {
  std::string body;
  double retry_after_s = -1.0;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  const size_t n = size * count;
  if (r->body.size() + n > kMaxResponseBytes) {
    r->too_large = true;
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  r->body.append(data, n);
  return n;
}

// Only the delay-seconds form of Retry-After; the HTTP-date form is rare from APIs and ignored.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  const size_t n = size * count;
  const std::string line(data, n);
  const std::string name = "retry-after:";
  if (line.size() > name.size()) {
    std::string head = line.substr(0, name.size());
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == name) {
      const char* start = line.c_str() + name.size();
      char* end = nullptr;
      const double seconds = std::strtod(start, &end);
      if (end != start && seconds >= 0) r->retry_after_s = seconds;
    }
  }
  return n;
}

struct EasyHandle {
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  ~EasyHandle() {
    curl_slist_free_all(headers);
    if (curl) curl_easy_cleanup(curl);
  }
};

}  // namespace

HttpResponse http_post(const HttpRequest& request) {
  global_init_once();
  EasyHandle h;
  if (!h.curl) throw Error("sending a request to " + request.url, "curl_easy_init failed");
  for (const auto& [name, value] : request.headers) {
    curl_slist* next = curl_slist_append(h.headers, (name + ": " + value).c_str());
    if (!next) throw Error("sending a request to " + request.url, "out of memory building headers");
    h.headers = next;
  }
  // Without this libcurl asks the server for "100 Continue" before a large body and waits up
  // to a second when the server (many API gateways) never answers it.
  if (curl_slist* next = curl_slist_append(h.headers, "Expect:")) h.headers = next;

  Received received;
  char error_text[CURL_ERROR_SIZE] = {0};
  const long timeout_ms = static_cast<long>(request.timeout_s * 1000.0);
  curl_easy_setopt(h.curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h.curl, CURLOPT_POST, 1L);
  curl_easy_setopt(h.curl, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h.curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h.curl, CURLOPT_HTTPHEADER, h.headers);
  curl_easy_setopt(h.curl, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
  curl_easy_setopt(h.curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
  curl_easy_setopt(h.curl, CURLOPT_NOSIGNAL, 1L);  // libcurl's timeouts must not use signals in threads
  curl_easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h.curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(h.curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h.curl, CURLOPT_HEADERDATA, &received);
  curl_easy_setopt(h.curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(h.curl, CURLOPT_ACCEPT_ENCODING, "");  // any encoding libcurl can decode

  const CURLcode code = curl_easy_perform(h.curl);
  if (code != CURLE_OK) {
    if (received.too_large)
      throw HttpTransportError("reply from " + request.url + " exceeds " + std::to_string(kMaxResponseBytes >> 20) +
                                   " MiB",
                               false);
    const std::string detail = error_text[0] ? error_text : curl_easy_strerror(code);
    const bool timed_out = code == CURLE_OPERATION_TIMEDOUT;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", request.timeout_s);
    throw HttpTransportError((timed_out ? "no answer from " + request.url + " within " + seconds + " s"
                                        : "cannot reach " + request.url) +
                                 " (" + detail + ")",
                             timed_out);
  }
  HttpResponse response;
  curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(received.body);
  response.retry_after_s = received.retry_after_s;
  return response;
}

std::string http_backend_version() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  std::string version = std::string("libcurl/") + info->version;
  if (info->ssl_version) version += std::string(" ") + info->ssl_version;
  return version;
}

}  // namespace viva
