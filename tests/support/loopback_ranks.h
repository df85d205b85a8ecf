#pragma once
// Several ranks of one process group as threads of the test process, over Gloo on loopback: for
// tests of collectives in place (autograd functions, reducers) without launching processes.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "viva/core/distributed.h"

namespace viva::testing {

// Runs body(rank, group) on `world` threads, each a rank of one CPU process group whose
// collectives time out after `timeout`; returns each rank's exception message ("" when it
// returned). No rank tears its group down before every rank
// has finished: a rank whose body returns at once would otherwise close its Gloo connections
// while another rank is still joining, and that rank would fail with "connection closed by peer".
inline std::vector<std::string> run_on_ranks(int world, const std::function<void(int, ProcessGroup&)>& body,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  const int port = unused_loopback_port();
  std::vector<std::string> errors(world);
  std::mutex mutex;
  std::condition_variable all_done;
  int done = 0;
  const auto finish_and_wait = [&] {
    std::unique_lock<std::mutex> lock(mutex);
    if (++done == world) all_done.notify_all();
    all_done.wait(lock, [&] { return done == world; });
  };
  std::vector<std::thread> threads;
  for (int rank = 0; rank < world; ++rank)
    threads.emplace_back([&, rank] {
      std::unique_ptr<ProcessGroup> group;
      try {
        LaunchEnvironment env;
        env.rank = env.local_rank = rank;
        env.world_size = world;
        env.master_port = port;
        group = std::make_unique<ProcessGroup>(env, torch::kCPU, timeout);
        body(rank, *group);
      } catch (const std::exception& e) {
        errors[rank] = e.what();
      }
      finish_and_wait();  // with this rank's group still open
    });
  for (auto& t : threads) t.join();
  return errors;
}

}  // namespace viva::testing
