// viva serve under load and across a crash: 30 edits from 6 clients all finish and equal the
// command line's edit for the same seed (lossless, format=mkv: two H.264 encodes of the same
// frames in one process may differ slightly); a server killed mid-job (kill -9) and started again on
// the same jobs folder finishes that job and still serves the earlier results.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "../support/cli_run.h"
#include "../support/needs_shared.h"
#include "serve_test_support.h"
#include "viva/io/video_reader.h"

namespace viva {
namespace {

using testing::edit_form;
using testing::json_of;
using testing::TempDir;
using testing::test_clip_bytes;
using testing::wait_for_job;

class ServeDurability : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_test_tokenizers()) VIVA_NEEDS_SHARED("test tokenizers");
    model_ = testing::write_tiny_model(dir_);
  }
  TempDir dir_;
  std::string model_;
};

// The edit of job `id`, written to `path` (whose extension must be the job's format) and read back.
VideoFrames fetch_video(httplib::Client& c, const std::string& id, const std::string& path) {
  auto r = c.Get(("/v1/edits/" + id + "/video").c_str());
  EXPECT_TRUE(r && r->status == 200);
  testing::write_bytes(path, r ? r->body : "");
  return read_video(path);
}

TEST_F(ServeDurability, ThirtyEditsFromSixClientsAllFinishAsTheCliEdits) {
  EditServerOptions o;
  o.model = model_;
  o.jobs = dir_.file("jobs");
  o.port = 0;
  o.max_queue = 30;
  testing::InProcessServer server(o);
  const std::string clip = test_clip_bytes(dir_, 5);
  std::mutex mutex;
  std::map<std::string, int> seed_of;  // job id -> seed
  std::atomic<int> refused{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < 6; ++client)
    clients.emplace_back([&, client] {
      auto c = server.client();
      for (int i = 0; i < 5; ++i) {
        const int seed = (client * 5 + i) % 3;
        auto r = c.Post("/v1/edits", edit_form(clip, "make it snow",
                                               {{"steps", "2"}, {"seed", std::to_string(seed)}, {"format", "mkv"}}));
        if (!r || r->status != 202) {
          ++refused;
          continue;
        }
        std::lock_guard<std::mutex> lock(mutex);
        seed_of[json_of(r)["id"]] = seed;
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(refused, 0);
  ASSERT_EQ(seed_of.size(), 30u);
  // The command line's edit for each seed.
  std::map<int, VideoFrames> expected;
  testing::write_bytes(dir_.file("clip.mkv"), clip);
  for (int seed = 0; seed < 3; ++seed) {
    const std::string out = dir_.file("cli-" + std::to_string(seed) + ".mkv");
    const auto run = testing::run_viva(dir_, "edit " + dir_.file("clip.mkv") + " \"make it snow\" -o " + out +
                                                 " --model " + model_ + " --steps 2 --seed " + std::to_string(seed));
    ASSERT_EQ(run.status, 0) << run.err;
    expected[seed] = read_video(out);
  }
  auto c = server.client();
  int index = 0;
  for (const auto& [id, seed] : seed_of) {
    const auto state = wait_for_job(c, id, 300);
    ASSERT_EQ(state["state"], "done") << state.dump();
    EXPECT_TRUE(fetch_video(c, id, dir_.file("got-" + std::to_string(index++) + ".mkv")).pixels == expected[seed].pixels)
        << "job " << id << " seed " << seed;
  }
  // Every job ran once, in the order accepted.
  EXPECT_EQ(json_of(c.Get("/v1/health"))["queued"], 0);
}

TEST_F(ServeDurability, AKilledServerFinishesItsJobAfterARestart) {
  const std::string args = "--model " + model_ + " --jobs " + dir_.file("jobs");
  const std::string clip = test_clip_bytes(dir_, 5);
  std::string first, interrupted;
  {
    testing::ServerProcess server(dir_, args);
    auto c = server.client();
    first = json_of(c.Post("/v1/edits", edit_form(clip, "make it snow", {{"steps", "2"}})))["id"];
    ASSERT_EQ(wait_for_job(c, first, 120)["state"], "done");
    interrupted = json_of(c.Post("/v1/edits", edit_form(clip, "make it rain", {{"steps", "150"}})))["id"];
    nlohmann::json mid;
    for (int i = 0; i < 1200; ++i) {
      mid = json_of(c.Get(("/v1/edits/" + interrupted).c_str()));
      if (mid.value("stage", "") == "sampling" && mid["progress"]["done"].get<int>() >= 2) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_EQ(mid["state"], "running") << mid.dump();
    EXPECT_TRUE(mid.contains("eta_s")) << mid.dump();
    server.kill_now(SIGKILL);
  }
  testing::ServerProcess again(dir_, args);
  auto c = again.client();
  const auto finished = wait_for_job(c, interrupted, 300);
  EXPECT_EQ(finished["state"], "done") << finished.dump();
  EXPECT_EQ(finished["runs"], 2);
  EXPECT_EQ(fetch_video(c, interrupted, dir_.file("interrupted.mp4")).frames, 5);
  EXPECT_EQ(json_of(c.Get(("/v1/edits/" + first).c_str()))["state"], "done");
  EXPECT_EQ(fetch_video(c, first, dir_.file("first.mp4")).frames, 5);
}

}  // namespace
}  // namespace viva
