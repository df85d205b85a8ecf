#pragma once
// A client for an OpenAI-compatible chat-completions endpoint (OpenAI, Gemini's OpenAI
// endpoint, vLLM, llama.cpp's server, ...), used by the VLM judge (paper App. D.4) and the data
// stages of §3.4 (instruction rewriting, artefact labelling). One request per question; images
// travel inline as base64 PNG data URLs; the answer must be one JSON object of a given schema.
//
// Failures: a refused or dropped connection, a timeout, HTTP 429 and 5xx, and an answer that
// is not the requested JSON are retried with exponential backoff (doubling from
// initial_backoff_s, capped at max_backoff_s, at least the server's Retry-After), up to
// max_retries times; any other HTTP status (400, 401, 404, ...) fails at once. Errors name
// the model, the URL and what went wrong; the API key never appears in them.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "viva/io/image.h"
#include "viva/vlm/vlm_json.h"

namespace viva {

struct VlmClientOptions {
  // Base URL of the API: "https://api.openai.com/v1", "http://127.0.0.1:8000/v1",
  // "https://generativelanguage.googleapis.com/v1beta/openai". See chat_completions_url.
  std::string endpoint;
  std::string model;
  // The API key is read from this environment variable (never from the command line, where
  // `ps` and shell histories would show it); unset or empty: no Authorization header.
  std::string api_key_env = "VIVA_VLM_API_KEY";
  double timeout_s = 120.0;  // per attempt, connection included
  int max_retries = 3;       // attempts after the first
  double initial_backoff_s = 2.0;
  double max_backoff_s = 60.0;
  int max_tokens = 1024;
  double temperature = 0.0;  // 0: as repeatable as the server allows
  bool json_mode = false;    // also send response_format {"type": "json_object"} (not every server has it)

  VlmClientOptions& set_endpoint(std::string v) { endpoint = std::move(v); return *this; }
  VlmClientOptions& set_model(std::string v) { model = std::move(v); return *this; }
  VlmClientOptions& set_api_key_env(std::string v) { api_key_env = std::move(v); return *this; }
  VlmClientOptions& set_timeout(double s) { timeout_s = s; return *this; }
  VlmClientOptions& set_max_retries(int n) { max_retries = n; return *this; }
  VlmClientOptions& set_initial_backoff(double s) { initial_backoff_s = s; return *this; }
  VlmClientOptions& set_max_backoff(double s) { max_backoff_s = s; return *this; }
  VlmClientOptions& set_max_tokens(int n) { max_tokens = n; return *this; }
  VlmClientOptions& set_temperature(double t) { temperature = t; return *this; }
  VlmClientOptions& set_json_mode(bool on) { json_mode = on; return *this; }
};

// One piece of the user's message: text, or an image (PNG bytes).
struct VlmPart {
  std::string text;
  std::string png;  // non-empty: this part is an image

  static VlmPart from_text(std::string text);
  static VlmPart from_image(const Image& image);  // encoded as PNG
};

struct VlmPrompt {
  std::string system;
  std::vector<VlmPart> user;

  VlmPrompt& add_text(std::string text);
  VlmPrompt& add_image(const Image& image);
  int image_count() const;
};

struct VlmReply {
  nlohmann::json object;  // the validated JSON object
  std::string content;    // the model's text as it came
  int attempts = 0;       // 1 when the first try succeeded
};

class VlmClient {
 public:
  // Checks the options (an http:// or https:// endpoint, a model name) and reads the API key.
  // In a viva built without libcurl it throws, saying so.
  explicit VlmClient(VlmClientOptions options);

  const VlmClientOptions& options() const { return options_; }
  const std::string& url() const { return url_; }  // the chat-completions URL requests go to
  bool has_api_key() const { return !api_key_.empty(); }

  // Sends the prompt and returns the answer's JSON object, checked against `schema`.
  // Throws viva::Error when every attempt failed or the server refused the request.
  VlmReply ask(const VlmPrompt& prompt, const std::vector<ReplyField>& schema) const;

  // The chat-completions request body for a prompt.
  nlohmann::json request_body(const VlmPrompt& prompt) const;

 private:
  std::string context() const;
  std::string redact(std::string message) const;

  VlmClientOptions options_;
  std::string url_;
  std::string api_key_;
};

// Where chat completions are posted: an endpoint already ending in /chat/completions is used
// as given; one with no path gets /v1/chat/completions; any other gets /chat/completions
// (the OpenAI clients' base-URL convention, where the version is part of the base).
std::string chat_completions_url(const std::string& endpoint);

// The assistant's text in a chat-completions response body. Throws VlmReplyError when the
// body is not one.
std::string chat_reply_content(const std::string& body);

}  // namespace viva
