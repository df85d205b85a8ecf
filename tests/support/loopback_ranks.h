#pragma once
// Several ranks of one process group as threads of the test process, over Gloo on loopback: for
// tests of collectives in place (autograd functions, reducers) without launching processes.
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "viva/core/distributed.h"

namespace viva::testing {

// Runs body(rank, group) on `world` threads, each a rank of one CPU process group; returns each
// rank's exception message ("" when it returned).
inline std::vector<std::string> run_on_ranks(int world, const std::function<void(int, ProcessGroup&)>& body) {
  const int port = unused_loopback_port();
  std::vector<std::string> errors(world);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < world; ++rank)
    threads.emplace_back([&, rank] {
      try {
        LaunchEnvironment env;
        env.rank = env.local_rank = rank;
        env.world_size = world;
        env.master_port = port;
        ProcessGroup group(env, torch::kCPU, std::chrono::seconds(60));
        body(rank, group);
      } catch (const std::exception& e) {
        errors[rank] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  return errors;
}

}  // namespace viva::testing
