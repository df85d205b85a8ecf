#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for tests of the VLM client: it answers each request with
// the next scripted response (the last one repeats when the script runs out) and records every
// request it read. One connection at a time, closed after each answer.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace viva::testing {

struct ScriptedResponse {
  ScriptedResponse(int status_ = 200, std::string body_ = "", double delay_s_ = 0.0,
                   std::vector<std::pair<std::string, std::string>> headers_ = {})
      : status(status_), body(std::move(body_)), delay_s(delay_s_), headers(std::move(headers_)) {}

  int status;
  std::string body;
  double delay_s;  // wait this long before answering
  std::vector<std::pair<std::string, std::string>> headers;
  bool drop = false;  // close the connection without answering
};

struct RecordedRequest {
  std::string method, path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  double arrival_s = 0.0;  // seconds since the server started
};

class LocalHttpServer {
 public:
  explicit LocalHttpServer(std::vector<ScriptedResponse> script = {});
  ~LocalHttpServer();
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  void set_script(std::vector<ScriptedResponse> script);
  int port() const { return port_; }
  // Base URL in the OpenAI clients' convention: http://127.0.0.1:<port>/v1
  std::string base_url() const;
  std::vector<RecordedRequest> requests() const;

 private:
  void serve();
  void handle(int fd);
  ScriptedResponse next_response();

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<ScriptedResponse> script_;
  std::size_t next_ = 0;
  std::vector<RecordedRequest> requests_;
  double start_s_ = 0.0;
  std::thread thread_;
};

// A chat-completions response body whose assistant message is `content`.
std::string chat_completion(const std::string& content);

// A port on 127.0.0.1 where nothing listens.
int closed_port();

}  // namespace viva::testing
