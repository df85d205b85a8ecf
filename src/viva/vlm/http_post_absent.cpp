// The HTTP client of a viva built without libcurl: every request is refused with the reason.
#include "viva/vlm/http_post.h"

namespace viva {

HttpResponse http_post(const HttpRequest& request) {
  throw Error("sending a request to " + request.url,
              "this viva was built without libcurl, so it has no VLM client (install libcurl4-openssl-dev, "
              "e.g. with tools/setup.sh, and rebuild)");
}

std::string http_backend_version() { return ""; }

}  // namespace viva
