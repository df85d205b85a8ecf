// viva serve: the editing service (HTTP API and web page) over one resident model.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include <unistd.h>

#include "viva/cli/cli_common.h"
#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/core/strings.h"
#ifdef VIVA_WITH_SERVE
#include "viva/serve/edit_server.h"
#endif

namespace viva::cli {
namespace {

struct ServeArgs {
  std::string model, api_key_file;
#ifdef VIVA_WITH_SERVE
  EditServerOptions server;
#endif
  double max_upload_mb = 256;
};

#ifdef VIVA_WITH_SERVE
int stop_pipe[2] = {-1, -1};

// The key from --api-key-file (its first line), else $VIVA_API_KEY; "" for none.
std::string api_key(const ServeArgs& a) {
  std::string key;
  if (!a.api_key_file.empty()) {
    key = read_file(a.api_key_file);
    key = key.substr(0, key.find_first_of("\r\n"));
    if (key.size() < 16) throw file_error(a.api_key_file, "the API key must be at least 16 characters");
  } else if (const char* env = std::getenv("VIVA_API_KEY")) {
    key = env;
  }
  return key;
}

void serve(ServeArgs a) {
  EditServerOptions& o = a.server;
  o.model = !a.model.empty() ? a.model : std::getenv("VIVA_MODEL") ? std::getenv("VIVA_MODEL") : VIVA_DEFAULT_MODEL_DIR;
  o.api_key = api_key(a);
  o.max_upload_bytes = static_cast<std::size_t>(a.max_upload_mb * 1024 * 1024);
  if (std::filesystem::exists(VIVA_DEFAULT_SAMPLE)) o.sample = VIVA_DEFAULT_SAMPLE;
  check_server_exposure(o);  // before loading the model
  EditServer server(o);
  const int port = server.bind();
  std::printf("viva serve: listening on http://%s:%d/ (model %s, jobs %s)\n", o.host.c_str(), port, o.model.c_str(),
              o.jobs.c_str());
  std::fflush(stdout);
  // SIGINT and SIGTERM (to whichever thread) write to a pipe; one thread reads it and stops the
  // server, outside the signal handler.
  if (pipe(stop_pipe) != 0) throw Error("viva serve", "cannot create a pipe");
  struct sigaction action {};
  action.sa_handler = [](int signal) {
    const char byte = static_cast<char>(signal);
    [[maybe_unused]] const ssize_t written = write(stop_pipe[1], &byte, 1);
  };
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::thread stopper([&server] {
    char signal = 0;
    if (read(stop_pipe[0], &signal, 1) == 1 && signal != 0)
      std::fprintf(stderr, "viva serve: stopping (signal %d); unfinished jobs run again at the next start\n", signal);
    server.stop();
  });
  server.run();
  const char none = 0;  // stopped otherwise: let the stopper end
  [[maybe_unused]] const ssize_t written = write(stop_pipe[1], &none, 1);
  stopper.join();
}
#endif

}  // namespace

void add_serve_command(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "Serve editing over HTTP (JSON API and a web page at /), one model resident");
#ifdef VIVA_WITH_SERVE
  EditServerOptions& o = a->server;
  cmd->add_option("--model", a->model, "VIVA model folder (default: $VIVA_MODEL, else the shipped model)");
  cmd->add_option("--host", o.host, "Address to listen on; anything but the loopback needs an API key")->capture_default_str();
  cmd->add_option("--port", o.port, "Port (0: any free one, printed at start)")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_option("--jobs", o.jobs, "Folder of jobs and results; a restarted server keeps them and runs unfinished jobs again")
      ->capture_default_str();
  cmd->add_option("--api-key-file", a->api_key_file,
                  "File whose first line is the API key (else $VIVA_API_KEY); clients send Authorization: Bearer KEY");
  cmd->add_option("--max-upload-mb", a->max_upload_mb, "Largest upload accepted (413 beyond)")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--max-frames", o.max_frames, "Most frames of an uploaded video (400 beyond)")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--max-queue", o.max_queue, "Most edits waiting (429 beyond)")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--device", o.device, "cpu or cuda[:N]")->capture_default_str();
  cmd->add_option("--dtype", o.dtype, kComputeDtypeHelp)->capture_default_str();
  cmd->footer("The page at / uploads a clip, follows the edit's stage and ETA, and plays the result. API: POST /v1/edits "
              "(multipart: video, instruction[, reference, steps, cfg, seed, window, format mp4|mkv]) -> 202 {id}; GET /v1/edits/ID; GET "
              "/v1/edits/ID/video and /side_by_side; DELETE /v1/edits/ID; GET /v1/health, /v1/model. See docs/serve.md.");
  set_guarded_callback(cmd, [a] { serve(*a); });
#else
  set_guarded_callback(cmd, [] {
    throw Error("viva serve", "this viva was built without cpp-httplib (apt-get install libcpp-httplib-dev, then rebuild)");
  });
#endif
}

}  // namespace viva::cli
