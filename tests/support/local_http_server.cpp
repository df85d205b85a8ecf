#include "local_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace viva::testing {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int bound_socket() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("test server: socket() failed");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("test server: bind() failed");
  }
  return fd;
}

int port_of(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

}  // namespace

LocalHttpServer::LocalHttpServer(std::vector<ScriptedResponse> script) : script_(std::move(script)) {
  listen_fd_ = bound_socket();
  if (::listen(listen_fd_, 16) != 0) throw std::runtime_error("test server: listen() failed");
  port_ = port_of(listen_fd_);
  start_s_ = now_s();
  thread_ = std::thread([this] { serve(); });
}

LocalHttpServer::~LocalHttpServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void LocalHttpServer::set_script(std::vector<ScriptedResponse> script) {
  std::lock_guard<std::mutex> lock(mutex_);
  script_ = std::move(script);
  next_ = 0;
}

std::string LocalHttpServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

std::vector<RecordedRequest> LocalHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

ScriptedResponse LocalHttpServer::next_response() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (script_.empty()) return {500, "{\"error\": {\"message\": \"test server has no script\"}}"};
  const ScriptedResponse r = script_[std::min(next_, script_.size() - 1)];
  ++next_;
  return r;
}

void LocalHttpServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    handle(fd);
    ::close(fd);
  }
}

void LocalHttpServer::handle(int fd) {
  // Read the head, then Content-Length bytes of body; give up on a silent client after 5 s.
  std::string data;
  std::size_t head_end = std::string::npos, body_size = 0;
  auto read_more = [&]() {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos)
    if (!read_more()) return;
  RecordedRequest request;
  request.arrival_s = now_s() - start_s_;
  std::size_t line_end = data.find("\r\n");
  const std::string first = data.substr(0, line_end);
  const std::size_t sp1 = first.find(' '), sp2 = first.find(' ', sp1 + 1);
  request.method = first.substr(0, sp1);
  request.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
  for (std::size_t at = line_end + 2; at < head_end;) {
    const std::size_t end = data.find("\r\n", at);
    const std::string line = data.substr(at, end - at);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      request.headers[name] = value;
    }
    at = end + 2;
  }
  if (request.headers.count("content-length")) body_size = std::stoul(request.headers["content-length"]);
  while (data.size() < head_end + 4 + body_size)
    if (!read_more()) return;
  request.body = data.substr(head_end + 4, body_size);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
  }

  const ScriptedResponse response = next_response();
  // A slow answer: wait, but stop as soon as the client hangs up (it timed out), so that the
  // next connection is served at once, as a real server's other workers would.
  const double answer_at = now_s() + response.delay_s;
  while (!stop_ && now_s() < answer_at) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10) > 0) {
      char byte;
      if (::recv(fd, &byte, 1, MSG_PEEK) <= 0) return;
    }
  }
  if (response.drop || stop_) return;
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  out += "Content-Type: application/json\r\nConnection: close\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += "\r\n" + response.body;
  for (std::size_t sent = 0; sent < out.size();) {
    const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the client gave up (a timeout test)
    sent += static_cast<std::size_t>(n);
  }
}

std::string chat_completion(const std::string& content) {
  const nlohmann::json body = {
      {"id", "chatcmpl-test"},
      {"object", "chat.completion"},
      {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}}}}};
  return body.dump();
}

int closed_port() {
  const int fd = bound_socket();
  const int port = port_of(fd);
  ::close(fd);
  return port;
}

}  // namespace viva::testing
