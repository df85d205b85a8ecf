// Ulysses sequence parallelism: a DiT whose image tokens are split over two ranks (two threads of
// this process, each with its own Gloo process group on loopback) returns, on each rank, the
// output of the unsplit DiT, and the ranks' gradients sum to its gradients: with a token count
// the ranks do not divide (padding), a clean reference frame whose tokens lie in one shard only,
// a padded text batch (key mask), and with activation checkpointing (collectives recomputed in
// backward).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>
#include <thread>

#include "viva/core/distributed.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/nn/sequence_parallel.h"

namespace viva {
namespace {

// A loopback port nobody listens on now (the kernel's pick), for the ranks' store.
int unused_port() {
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

struct RankResult {
  torch::Tensor out;
  std::map<std::string, torch::Tensor> grads;
  std::string error;
};

DitInput inputs() {
  torch::manual_seed(7);
  DitInput in;
  // 2 latent frames of 3 x 3 tokens after a clean reference frame: 27 tokens, 14 + 13 on two ranks.
  in.x = torch::randn({2, 4, 2, 6, 6});
  in.source = torch::randn({2, 4, 2, 6, 6});
  in.reference = torch::randn({2, 4, 1, 6, 6});
  in.t = torch::tensor({300.0f, 800.0f});
  in.text = torch::randn({2, 5, 32});
  in.text_mask = torch::tensor({1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, torch::kInt64).view({2, 5});
  in.pooled = torch::randn({2, 16});
  return in;
}

RankResult forward_backward(HunyuanDit& dit, const DitInput& in, const torch::Tensor& weights) {
  RankResult r;
  r.out = dit->forward(in);
  (r.out * weights).sum().backward();
  for (const auto& p : dit->named_parameters()) r.grads[p.key()] = p.value().grad().clone();
  r.out = r.out.detach();
  return r;
}

TEST(SequenceParallel, SplitDitEqualsTheWholeOneInOutputAndSummedGradients) {
  DitOptions o = DitOptions::tiny();
  o.context_projector = true;
  torch::manual_seed(1);
  HunyuanDit whole(o);
  const DitInput in = inputs();
  const torch::Tensor weights = torch::randn({2, 4, 2, 6, 6});
  const RankResult expected = forward_backward(whole, in, weights);

  for (const bool checkpointing : {false, true}) {
    const int port = unused_port();
    std::vector<RankResult> ranks(2);
    std::vector<HunyuanDit> dits;
    for (int rank = 0; rank < 2; ++rank) {
      dits.push_back(HunyuanDit(o));
      torch::NoGradGuard no_grad;
      const auto from = whole->named_parameters();
      for (auto& p : dits.back()->named_parameters()) p.value().copy_(from[p.key()]);
      dits.back()->activation_checkpointing = checkpointing;
    }
    std::vector<std::thread> threads;
    for (int rank = 0; rank < 2; ++rank)
      threads.emplace_back([&, rank] {
        try {
          LaunchEnvironment env;
          env.rank = env.local_rank = rank;
          env.world_size = 2;
          env.master_port = port;
          ProcessGroup group(env, torch::kCPU, std::chrono::seconds(60));
          dits[rank]->split_sequence(std::make_shared<SequenceParallel>(group));
          ranks[rank] = forward_backward(dits[rank], in, weights);
        } catch (const std::exception& e) {
          ranks[rank].error = e.what();
        }
      });
    for (auto& t : threads) t.join();
    for (const RankResult& r : ranks) {
      ASSERT_EQ(r.error, "");
      EXPECT_TRUE(torch::allclose(r.out, expected.out, 1e-5, 1e-5)) << (r.out - expected.out).abs().max();
    }
    for (const auto& [name, grad] : expected.grads) {
      const torch::Tensor summed = ranks[0].grads.at(name) + ranks[1].grads.at(name);
      EXPECT_LT(((summed - grad).norm() / grad.norm().clamp_min(1e-12)).item<double>(), 1e-5)
          << name << (checkpointing ? " (checkpointing)" : "");
    }
  }
}

TEST(SequenceParallel, RanksMustDivideTheHeads) {
  DitOptions o = DitOptions::tiny();  // 2 heads
  o.heads = 1;
  o.hidden_size = 32;
  o.rope_dims = {8, 12, 12};
  HunyuanDit dit(o);
  const int port = unused_port();
  std::string errors[2];
  std::vector<std::thread> threads;
  for (int rank = 0; rank < 2; ++rank)
    threads.emplace_back([&, rank] {
      LaunchEnvironment env;
      env.rank = rank;
      env.world_size = 2;
      env.master_port = port;
      ProcessGroup group(env, torch::kCPU, std::chrono::seconds(60));
      if (rank > 0) return;
      try {
        dit->split_sequence(std::make_shared<SequenceParallel>(group));
      } catch (const std::exception& e) {
        errors[rank] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_NE(errors[0].find("head count they divide (1 heads)"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace viva
