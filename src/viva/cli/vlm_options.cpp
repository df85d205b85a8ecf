#include "viva/cli/vlm_options.h"

namespace viva::cli {

void add_vlm_client_options(CLI::App& cmd, VlmClientOptions& o, bool required) {
  cmd.add_option("--vlm-endpoint", o.endpoint,
                 "Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1 (requests go to "
                 "<URL>/chat/completions; a URL without a path gets /v1/chat/completions)")
      ->required(required);
  cmd.add_option("--vlm-model", o.model, "Model name sent with each request")->required(required);
  cmd.add_option("--vlm-api-key-env", o.api_key_env,
                 "Environment variable holding the API key (sent as a Bearer token; unset: no key)")
      ->capture_default_str();
  cmd.add_option("--timeout", o.timeout_s, "Seconds to wait for each answer")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--retries", o.max_retries,
                 "Retries after a failed attempt (no connection, timeout, HTTP 429/5xx, an answer that is not the "
                 "requested JSON)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--backoff", o.initial_backoff_s, "Seconds before the first retry; doubles each retry, up to 60")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--max-tokens", o.max_tokens, "Longest answer asked for")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--temperature", o.temperature, "Sampling temperature")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_flag("--json-mode", o.json_mode,
               "Also ask the server for JSON output (response_format json_object; not every server supports it)");
}

}  // namespace viva::cli
