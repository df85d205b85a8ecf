#pragma once
// A `viva serve` for tests: in process (EditServer on a free port, the tiny model) or as a child
// process that a test can kill; a client; the uploads the tests send.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "../support/temp_dir.h"
#include "../support/tiny_model.h"
#include "viva/core/atomic_file.h"
#include "viva/io/test_pattern.h"
#include "viva/io/video_writer.h"
#include "viva/serve/edit_server.h"

namespace viva::testing {

inline httplib::Client client_for(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(120, 0);
  c.set_connection_timeout(5, 0);
  return c;
}

// Blocks until GET /v1/health answers (the server listens) or `seconds` pass.
inline bool wait_until_serving(int port, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    auto c = client_for(port);
    if (auto r = c.Get("/v1/health"); r && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class InProcessServer {
 public:
  explicit InProcessServer(EditServerOptions options) : server_(std::make_unique<EditServer>(options)) {
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
    EXPECT_TRUE(wait_until_serving(port_, 30));
  }
  ~InProcessServer() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  httplib::Client client() const { return client_for(port_); }

 private:
  std::unique_ptr<EditServer> server_;
  std::thread thread_;
  int port_ = 0;
};

// `viva serve` as a child process, its output in files; the destructor kills what is left.
class ServerProcess {
 public:
  ServerProcess(const TempDir& dir, const std::string& args) : log_(dir.file("serve-" + std::to_string(++starts()) + ".out")) {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string command = std::string(VIVA_CLI_PATH) + " serve --port 0 " + args + " >" + log_ + " 2>&1";
      execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+)/)");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (port_ == 0 && std::chrono::steady_clock::now() < until) {
      std::smatch m;
      std::ifstream in(log_);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
      else std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_NE(port_, 0) << "the server did not start: " << read_file(log_);
    EXPECT_TRUE(port_ && wait_until_serving(port_, 30));
  }
  ~ServerProcess() { kill_now(SIGKILL); }
  void kill_now(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  int port() const { return port_; }
  httplib::Client client() const { return client_for(port_); }

 private:
  static int& starts() {
    static int n = 0;
    return n;
  }
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A `frames`-frame 64x64 test pattern as the bytes of an .mkv file.
inline std::string test_clip_bytes(const TempDir& dir, int frames = 9) {
  const std::string path = dir.file("clip-" + std::to_string(frames) + ".mkv");
  if (!std::filesystem::exists(path)) write_video(path, make_test_pattern(frames, 64, 64, 24.0));
  return read_file(path);
}

inline httplib::MultipartFormDataItems edit_form(const std::string& video, const std::string& instruction,
                                                 std::vector<std::pair<std::string, std::string>> fields = {}) {
  httplib::MultipartFormDataItems items{{"video", video, "clip.mkv", "video/x-matroska"},
                                        {"instruction", instruction, "", ""}};
  for (const auto& [k, v] : fields) items.push_back({k, v, "", ""});
  return items;
}

inline nlohmann::json json_of(const httplib::Result& r) {
  if (!r) return nlohmann::json();
  return nlohmann::json::parse(r->body, nullptr, false);
}

// Polls GET /v1/edits/{id} until the job is done, failed or cancelled; returns its last state.
inline nlohmann::json wait_for_job(httplib::Client& c, const std::string& id, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  nlohmann::json j;
  while (std::chrono::steady_clock::now() < until) {
    j = json_of(c.Get(("/v1/edits/" + id).c_str()));
    const std::string state = j.value("state", "");
    if (state == "done" || state == "failed" || state == "cancelled") return j;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return j;
}

}  // namespace viva::testing
