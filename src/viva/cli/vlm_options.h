#pragma once
// The command-line options every VLM command shares (viva eval vlm, viva data refine).
#include <CLI/CLI.hpp>

#include "viva/vlm/vlm_client.h"

namespace viva::cli {

// --vlm-endpoint and --vlm-model (required), --vlm-api-key-env, --timeout, --retries,
// --backoff, --max-tokens, --temperature, --json-mode.
// `required`: --vlm-endpoint and --vlm-model must be given (else the judge is optional).
void add_vlm_client_options(CLI::App& cmd, VlmClientOptions& options, bool required = true);

}  // namespace viva::cli
