// viva serve's API against a server on 127.0.0.1 with the tiny model: every endpoint, every
// refusal, hostile uploads, and the API key.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <random>

#include "../support/cli_run.h"
#include "../support/needs_shared.h"
#include "serve_test_support.h"
#include "viva/io/video_reader.h"

namespace viva {
namespace {

using testing::edit_form;
using testing::InProcessServer;
using testing::json_of;
using testing::TempDir;
using testing::test_clip_bytes;
using testing::wait_for_job;

class EditServerApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::have_test_tokenizers()) return;
    dir_ = new TempDir();
    testing::write_tiny_model(*dir_);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!dir_) VIVA_NEEDS_SHARED("test tokenizers");
  }
  static EditServerOptions options(const TempDir& jobs) {
    EditServerOptions o;
    o.model = dir_->file("model");
    o.jobs = jobs.file("jobs");
    o.port = 0;
    o.sample = jobs.file("sample.mkv");
    return o;
  }
  static TempDir* dir_;
};
TempDir* EditServerApi::dir_ = nullptr;

// Sends raw bytes to the server and returns the status line's code (0 when none came back).
int raw_request(int port, const std::string& bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return 0;
  }
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  std::smatch m;
  return std::regex_search(answer, m, std::regex(R"(^HTTP/1\.1 (\d{3}))")) ? std::stoi(m[1]) : 0;
}

std::string multipart_request(const std::string& body, const std::string& boundary, const std::string& length = "") {
  return "POST /v1/edits HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=" +
         boundary + "\r\nContent-Length: " + (length.empty() ? std::to_string(body.size()) : length) + "\r\n\r\n" + body;
}

TEST_F(EditServerApi, EveryEndpointAndRefusal) {
  TempDir jobs;
  write_video(jobs.file("sample.mkv"), make_test_pattern(9, 64, 64, 24.0));
  EditServerOptions o = options(jobs);
  o.max_queue = 1;
  o.max_frames = 20;
  o.max_upload_bytes = 1 << 20;
  InProcessServer server(o);
  auto c = server.client();
  const std::string clip = test_clip_bytes(jobs);

  auto health = json_of(c.Get("/v1/health"));
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["auth_required"], false);
  auto model = json_of(c.Get("/v1/model"));
  EXPECT_EQ(model["path"], o.model);
  EXPECT_EQ(model["frames"], 9);
  EXPECT_EQ(model["limits"]["max_queue"], 1);
  auto sample = c.Get("/v1/sample");
  ASSERT_TRUE(sample);
  EXPECT_EQ(sample->body, read_file(jobs.file("sample.mkv")));
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("<form id=\"form\">"), std::string::npos);

  // An edit, followed to the end; its results.
  auto accepted = c.Post("/v1/edits", edit_form(clip, "make it snow", {{"steps", "2"}, {"seed", "7"}}));
  ASSERT_TRUE(accepted);
  ASSERT_EQ(accepted->status, 202) << accepted->body;
  const std::string id = json_of(accepted)["id"];
  EXPECT_EQ(accepted->get_header_value("Location"), "/v1/edits/" + id);
  const auto done = wait_for_job(c, id, 120);
  ASSERT_EQ(done["state"], "done") << done.dump();
  EXPECT_EQ(done["steps"], 2);
  EXPECT_EQ(done["seed"], 7);
  EXPECT_EQ(done["links"]["video"], "/v1/edits/" + id + "/video");
  for (const std::string what : {"video", "side_by_side"}) {
    auto r = c.Get(("/v1/edits/" + id + "/" + what).c_str());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "video/mp4");
    testing::write_bytes(jobs.file(what + ".mp4"), r->body);
    const VideoFrames v = read_video(jobs.file(what + ".mp4"));
    EXPECT_EQ(v.frames, 9) << what;
  }

  // Refusals, each one JSON line with a 4xx.
  const auto refused = [&](const httplib::Result& r, int status, const std::string& fragment) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    const auto j = json_of(r);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
    EXPECT_NE(j["error"].get<std::string>().find(fragment), std::string::npos) << r->body;
  };
  refused(c.Post("/v1/edits", "{}", "application/json"), 400, "multipart/form-data");
  refused(c.Post("/v1/edits", httplib::MultipartFormDataItems{{"instruction", "x", "", ""}}), 400, "no video");
  refused(c.Post("/v1/edits", edit_form("", "x")), 400, "no video");
  refused(c.Post("/v1/edits", edit_form(clip, "  ")), 400, "no instruction");
  refused(c.Post("/v1/edits", edit_form(clip, "x", {{"steps", "0"}})), 400, "steps must be a whole number from 1 to 200");
  refused(c.Post("/v1/edits", edit_form(clip, "x", {{"cfg", "lots"}})), 400, "cfg must be a number");
  refused(c.Post("/v1/edits", edit_form(clip, "x", {{"window", "8"}})), 400, "window must be 4k+1");
  refused(c.Post("/v1/edits", edit_form(clip, "x", {{"format", "avi"}})), 400, "format must be mp4 or mkv");
  std::mt19937 random(1);
  std::string noise(5000, '\0');
  for (char& ch : noise) ch = static_cast<char>(random());
  refused(c.Post("/v1/edits", edit_form(noise, "x")), 400, "the video: cannot open as video");
  refused(c.Post("/v1/edits", edit_form(test_clip_bytes(jobs, 30), "x")), 400, "has 30 frames; this server edits at most 20");
  refused(c.Post("/v1/edits", edit_form(clip, "x", {{"reference", "not an image"}})), 400, "the reference image");
  refused(c.Post("/v1/edits", edit_form(std::string(2 << 20, 'v'), "x")), 413, "larger than this server accepts");
  refused(c.Get("/v1/edits/0123456789abcdef01234567"), 404, "no such edit");
  refused(c.Get("/v1/edits/../../etc/passwd"), 404, "no such route");
  refused(c.Delete("/v1/edits/0123456789abcdef01234567"), 404, "no such edit");

  // The queue: one running (many steps), one waiting, the next refused; results only when done.
  const std::string running = json_of(c.Post("/v1/edits", edit_form(clip, "a", {{"steps", "200"}})))["id"];
  // Until the worker takes it, it is the one waiting job the queue holds.
  for (int i = 0; i < 400 && json_of(c.Get(("/v1/edits/" + running).c_str())).value("state", "") == "queued"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const std::string waiting = json_of(c.Post("/v1/edits", edit_form(clip, "b")))["id"];
  auto full = c.Post("/v1/edits", edit_form(clip, "c"));
  refused(full, 429, "queue is full");
  EXPECT_EQ(full->get_header_value("Retry-After"), "30");
  refused(c.Get(("/v1/edits/" + waiting + "/video").c_str()), 409, "the edit is queued");
  // Cancelling: the waiting job at once, the running one at its next step.
  EXPECT_EQ(json_of(c.Delete(("/v1/edits/" + waiting).c_str()))["state"], "cancelled");
  EXPECT_EQ(json_of(c.Get(("/v1/edits/" + waiting).c_str()))["state"], "cancelled");
  for (int i = 0; i < 400 && json_of(c.Get(("/v1/edits/" + running).c_str())).value("stage", "") != "sampling"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const auto mid = json_of(c.Get(("/v1/edits/" + running).c_str()));
  EXPECT_EQ(mid["state"], "running") << mid.dump();
  EXPECT_EQ(mid["progress"]["total"], 200) << mid.dump();
  c.Delete(("/v1/edits/" + running).c_str());
  EXPECT_EQ(wait_for_job(c, running, 60)["state"], "cancelled");
  // A finished job is removed with its files.
  EXPECT_EQ(json_of(c.Delete(("/v1/edits/" + id).c_str()))["state"], "deleted");
  refused(c.Get(("/v1/edits/" + id).c_str()), 404, "no such edit");
  EXPECT_FALSE(std::filesystem::exists(o.jobs + "/" + id));
  EXPECT_EQ(json_of(c.Get("/v1/health"))["status"], "ok");
}

TEST_F(EditServerApi, HostileUploadsAreRefusedAndTheServerKeepsServing) {
  TempDir jobs;
  EditServerOptions o = options(jobs);
  o.max_upload_bytes = 1 << 20;
  o.read_timeout_s = 2;  // a client that declares more than it sends is answered after this
  InProcessServer server(o);
  const std::string clip = test_clip_bytes(jobs);
  const std::string b = "vivaBoundary";
  const auto part = [&](const std::string& name, const std::string& filename, const std::string& content) {
    return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"" +
           (filename.empty() ? "" : "; filename=\"" + filename + "\"") + "\r\n\r\n" + content + "\r\n";
  };
  const std::string whole = part("video", "clip.mkv", clip) + part("instruction", "", "make it snow") + "--" + b + "--\r\n";
  // A body cut off inside the video part, its length declared honestly.
  EXPECT_EQ(raw_request(server.port(), multipart_request(whole.substr(0, whole.size() / 2), b)), 400);
  // A size far beyond the limit is refused before anything is read.
  EXPECT_EQ(raw_request(server.port(), multipart_request(whole, b, "1000000000000")), 413);
  EXPECT_EQ(raw_request(server.port(), multipart_request(whole, b, "-5")), 413);  // read as 2^64 - 5
  // Garbage instead of HTTP.
  const char garbage[] = "\x16\x03\x01\x02\x00 GARBAGE\r\n\r\n";  // a TLS hello's first bytes, a NUL inside
  EXPECT_EQ(raw_request(server.port(), std::string(garbage, sizeof garbage - 1)), 400);
  // A file name that climbs out of the jobs folder never reaches the file system.
  const std::string climbing = part("video", "../../../escaped.mkv", clip) + part("instruction", "", "x") +
                               part("reference", "../../ref.png", "") + "--" + b + "--\r\n";
  EXPECT_EQ(raw_request(server.port(), multipart_request(climbing, b)), 202);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(jobs.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(name.find("escaped"), std::string::npos) << entry.path();
    EXPECT_EQ(name.find("ref.png"), std::string::npos) << entry.path();
  }
  auto c = server.client();
  auto health = c.Get("/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(EditServerApi, AnApiKeyGuardsEveryRouteButHealth) {
  EXPECT_TRUE(equal_in_constant_time("secret-key-0123456789", "secret-key-0123456789"));
  EXPECT_FALSE(equal_in_constant_time("secret-key-0123456789", "secret-key-0123456788"));
  EXPECT_FALSE(equal_in_constant_time("secret", "secret-key"));
  EXPECT_FALSE(equal_in_constant_time("", "x"));
  TempDir jobs;
  EditServerOptions o = options(jobs);
  o.host = "0.0.0.0";
  testing::expect_error_containing([&] { check_server_exposure(o); }, {"0.0.0.0", "needs an API key"});
  o.host = "127.0.0.1";
  o.api_key = "secret-key-0123456789";
  InProcessServer server(o);
  auto c = server.client();
  EXPECT_EQ(json_of(c.Get("/v1/health"))["auth_required"], true);
  auto anonymous = c.Get("/v1/model");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(c.Get("/v1/model", {{"Authorization", "Bearer secret-key-0123456788"}})->status, 401);
  EXPECT_EQ(c.Get("/v1/model", {{"Authorization", "Bearer secret-key-0123456789"}})->status, 200);
  EXPECT_EQ(c.Get("/v1/model", {{"X-API-Key", "secret-key-0123456789"}})->status, 200);
  EXPECT_EQ(c.Post("/v1/edits", edit_form(test_clip_bytes(jobs), "x"))->status, 401);
}

// The command refuses, in one line and before loading a model, to open up without a good key.
TEST(ServeCommand, RefusesToListenBeyondThisMachineWithoutAKey) {
  TempDir dir;
  testing::expect_one_line_error(testing::run_viva(dir, "serve --host 0.0.0.0 --model " + dir.file("nomodel")),
                                 "needs an API key");
  testing::write_bytes(dir.file("short.key"), "abc\n");
  testing::expect_one_line_error(
      testing::run_viva(dir, "serve --api-key-file " + dir.file("short.key") + " --model " + dir.file("nomodel")),
      "at least 16 characters");
  testing::expect_one_line_error(
      testing::run_viva(dir, "serve --api-key-file " + dir.file("none.key") + " --model " + dir.file("nomodel")),
      "none.key");
  testing::expect_one_line_error(
      testing::run_viva(dir, "serve --port 0 --jobs " + dir.file("jobs") + " --model " + dir.file("nomodel")), "nomodel");
  EXPECT_FALSE(std::filesystem::exists(dir.file("jobs")));  // nothing made for a server that did not start
}

}  // namespace
}  // namespace viva
