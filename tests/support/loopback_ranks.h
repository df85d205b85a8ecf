#pragma once
// Several ranks of one process group as threads of the test process, over Gloo on loopback: for
// tests of collectives in place (autograd functions, reducers) without launching processes.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "viva/core/distributed.h"

namespace viva::testing {

// A loopback port nobody listens on now (the kernel's pick), for the ranks' store.
inline int unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Runs body(rank, group) on `world` threads, each a rank of one CPU process group; returns each
// rank's exception message ("" when it returned).
inline std::vector<std::string> run_on_ranks(int world, const std::function<void(int, ProcessGroup&)>& body) {
  const int port = unused_port();
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
