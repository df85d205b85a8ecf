#pragma once
// `viva serve`: an HTTP service over one resident model and an on-disk job queue
// (edit_job_store.h), with the web page at / (web_page.h). Endpoints, all answering JSON
// (errors as {"error": "..."} with a 4xx status):
//   POST   /v1/edits                 multipart: video, instruction[, reference, steps, cfg, seed, window,
//                                     format mp4|mkv] -> 202 {id}
//   GET    /v1/edits/{id}            state: queued | running (stage, progress, eta_s) | done | failed (error) | cancelled
//   GET    /v1/edits/{id}/video      the edit (mp4, or lossless mkv when asked), once done
//   GET    /v1/edits/{id}/side_by_side
//   DELETE /v1/edits/{id}            cancels a queued or running job; removes a finished one
//   GET    /v1/health, /v1/model, /v1/sample (the shipped sample clip, for the page)
// With an API key every /v1/ route but health needs it (Authorization: Bearer KEY or X-API-Key).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace viva {

struct EditServerOptions {
  std::string model;
  std::string jobs = "viva-jobs";
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port
  std::string api_key;              // required for any host but the loopback
  std::string sample;               // served at /v1/sample when it exists
  std::string device = "cpu", dtype = "auto";
  std::size_t max_upload_bytes = std::size_t(256) << 20;
  int max_frames = 1200;            // frames of an uploaded video (50 s at 24 fps)
  int max_queue = 16;               // jobs waiting; more are answered 429
  int http_threads = 8;
  int read_timeout_s = 30;          // a request that sends nothing for this long is dropped
};

// Throws unless `host` is loopback or a key is set: a server open to a network needs a key.
void check_server_exposure(const EditServerOptions& options);

// Equal strings, in time that depends only on their lengths (no early exit on a mismatch).
bool equal_in_constant_time(const std::string& a, const std::string& b);

class EditServer {
 public:
  // Opens the job folder and loads the model; unfinished jobs of an earlier run queue again.
  explicit EditServer(EditServerOptions options);
  ~EditServer();
  EditServer(const EditServer&) = delete;
  EditServer& operator=(const EditServer&) = delete;

  int bind();  // binds host:port; returns the port (the chosen one for port 0)
  void run();  // serves (and edits) until stop()
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace viva
