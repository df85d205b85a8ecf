#include "viva/vlm/vlm_client.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "viva/vlm/base64.h"
#include "viva/vlm/http_post.h"

namespace viva {
namespace {

// What the server said when it refused: the API's error message when the body carries one
// (OpenAI's {"error": {"message": ...}}), else the start of the body.
std::string refusal_text(const std::string& body) {
  try {
    const nlohmann::json j = nlohmann::json::parse(body);
    if (j.is_object() && j.contains("error")) {
      const nlohmann::json& e = j["error"];
      if (e.is_object() && e.contains("message") && e["message"].is_string()) return excerpt(e["message"].get<std::string>(), 300);
      if (e.is_string()) return excerpt(e.get<std::string>(), 300);
    }
  } catch (const nlohmann::json::exception&) {
  }
  return body.empty() ? "(empty body)" : excerpt(body, 300);
}

bool retryable_status(long status) { return status == 429 || status == 408 || status >= 500; }

}  // namespace

VlmPart VlmPart::from_text(std::string text) {
  VlmPart p;
  p.text = std::move(text);
  return p;
}

VlmPart VlmPart::from_image(const Image& image) {
  VlmPart p;
  p.png = encode_png(image);
  return p;
}

VlmPrompt& VlmPrompt::add_text(std::string text) {
  user.push_back(VlmPart::from_text(std::move(text)));
  return *this;
}

VlmPrompt& VlmPrompt::add_image(const Image& image) {
  user.push_back(VlmPart::from_image(image));
  return *this;
}

int VlmPrompt::image_count() const {
  return static_cast<int>(std::count_if(user.begin(), user.end(), [](const VlmPart& p) { return !p.png.empty(); }));
}

std::string chat_completions_url(const std::string& endpoint) {
  const std::size_t scheme = endpoint.find("://");
  if (scheme == std::string::npos || (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0))
    throw Error("VLM endpoint '" + endpoint + "'", "must start with http:// or https://");
  if (endpoint.size() == scheme + 3 || endpoint[scheme + 3] == '/')
    throw Error("VLM endpoint '" + endpoint + "'", "has no host");
  std::string url = endpoint;
  while (url.back() == '/') url.pop_back();
  const std::string suffix = "/chat/completions";
  if (url.size() >= suffix.size() && url.compare(url.size() - suffix.size(), suffix.size(), suffix) == 0) return url;
  const std::size_t path = url.find('/', scheme + 3);
  return url + (path == std::string::npos ? "/v1" + suffix : suffix);
}

std::string chat_reply_content(const std::string& body) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error&) {
    throw VlmReplyError("response is not JSON: '" + excerpt(body) + "'");
  }
  if (!j.is_object()) throw VlmReplyError("response is not a JSON object: '" + excerpt(body) + "'");
  if (j.contains("error") && !j["error"].is_null()) throw VlmReplyError("response is an error: " + refusal_text(body));
  if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() || !j["choices"][0].is_object())
    throw VlmReplyError("response has no choices: '" + excerpt(body) + "'");
  const nlohmann::json& choice = j["choices"][0];
  if (!choice.contains("message") || !choice["message"].is_object())
    throw VlmReplyError("response's first choice has no message: '" + excerpt(body) + "'");
  const nlohmann::json& message = choice["message"];
  const nlohmann::json content = message.contains("content") ? message["content"] : nlohmann::json();
  if (content.is_string()) return content.get<std::string>();
  // Some servers return the content as a list of typed parts.
  if (content.is_array()) {
    std::string text;
    for (const auto& part : content)
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string())
        text += part["text"].get<std::string>();
    return text;
  }
  if (message.contains("refusal") && message["refusal"].is_string())
    throw VlmReplyError("model refused: " + excerpt(message["refusal"].get<std::string>()));
  throw VlmReplyError("response's message has no text content: '" + excerpt(body) + "'");
}

VlmClient::VlmClient(VlmClientOptions options) : options_(std::move(options)) {
  if (options_.model.empty()) throw Error("setting up the VLM client", "no model name given (--vlm-model)");
  if (options_.endpoint.empty()) throw Error("setting up the VLM client", "no endpoint given (--vlm-endpoint)");
  if (!(options_.timeout_s > 0)) throw Error("setting up the VLM client", "the timeout must be positive");
  if (options_.max_retries < 0) throw Error("setting up the VLM client", "retries must not be negative");
  url_ = chat_completions_url(options_.endpoint);
  // Fail before a long run starts rather than on each of its items.
  if (http_backend_version().empty()) http_post(HttpRequest{url_, {}, "", options_.timeout_s});
  if (!options_.api_key_env.empty())
    if (const char* key = std::getenv(options_.api_key_env.c_str())) api_key_ = key;
}

std::string VlmClient::context() const { return "asking " + options_.model + " at " + url_; }

std::string VlmClient::redact(std::string message) const {
  if (api_key_.empty()) return message;
  for (std::size_t at; (at = message.find(api_key_)) != std::string::npos;) message.replace(at, api_key_.size(), "***");
  return message;
}

nlohmann::json VlmClient::request_body(const VlmPrompt& prompt) const {
  nlohmann::json parts = nlohmann::json::array();
  for (const VlmPart& p : prompt.user) {
    if (p.png.empty())
      parts.push_back({{"type", "text"}, {"text", p.text}});
    else
      parts.push_back({{"type", "image_url"}, {"image_url", {{"url", "data:image/png;base64," + base64_encode(p.png)}}}});
  }
  nlohmann::json messages = nlohmann::json::array();
  if (!prompt.system.empty()) messages.push_back({{"role", "system"}, {"content", prompt.system}});
  messages.push_back({{"role", "user"}, {"content", parts}});
  nlohmann::json body = {{"model", options_.model},
                         {"messages", messages},
                         {"max_tokens", options_.max_tokens},
                         {"temperature", options_.temperature}};
  if (options_.json_mode) body["response_format"] = {{"type", "json_object"}};
  return body;
}

VlmReply VlmClient::ask(const VlmPrompt& prompt, const std::vector<ReplyField>& schema) const {
  HttpRequest request;
  request.url = url_;
  request.timeout_s = options_.timeout_s;
  request.headers.emplace_back("Content-Type", "application/json");
  if (!api_key_.empty()) request.headers.emplace_back("Authorization", "Bearer " + api_key_);
  request.body = request_body(prompt).dump();

  std::string last_failure;
  const int attempts = options_.max_retries + 1;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    double server_wait_s = -1.0;
    try {
      const HttpResponse response = http_post(request);
      if (response.status != 200) {
        const std::string what = "HTTP " + std::to_string(response.status) + ": " + refusal_text(response.body);
        if (!retryable_status(response.status)) {
          const bool auth = response.status == 401 || response.status == 403;
          throw Error(context(), redact(what) + (auth && api_key_.empty()
                                                     ? " (no API key was sent: set $" + options_.api_key_env + ")"
                                                     : ""));
        }
        server_wait_s = response.retry_after_s;
        throw HttpTransportError(what, false);
      }
      VlmReply reply;
      reply.content = chat_reply_content(response.body);
      reply.object = parse_reply_object(reply.content);
      validate_reply(reply.object, schema);
      reply.attempts = attempt;
      return reply;
    } catch (const HttpTransportError& e) {
      last_failure = e.what();
    } catch (const VlmReplyError& e) {
      last_failure = e.what();
    }
    if (attempt == attempts) break;
    double wait = std::min(options_.initial_backoff_s * std::pow(2.0, attempt - 1), options_.max_backoff_s);
    wait = std::max(wait, std::min(server_wait_s, options_.max_backoff_s));
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
  throw Error(context(), redact("failed after " + std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") +
                                "; last: " + last_failure));
}

}  // namespace viva
