// viva launch --nproc N -- <viva command>: N copies of a viva command on this machine as the
// ranks of one job, with the environment torchrun gives (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), for machines without Python. When a rank fails the
// others are stopped (SIGTERM, then SIGKILL after the grace period) and one line names it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "viva/cli/cli_common.h"
#include "viva/core/distributed.h"
#include "viva/core/error.h"

namespace viva::cli {
namespace {

struct LaunchArgs {
  int nproc = 1;
  int master_port = 0;  // 0: a free one
  double grace_s = 30;
  std::vector<std::string> command;
};

std::atomic<int> forwarded_signal{0};
void remember_signal(int signal) { forwarded_signal = signal; }

std::string describe(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

int launch(const LaunchArgs& a) {
  if (a.command.empty()) throw Error("viva launch", "give the viva command to run after --, e.g. -- train sft --config C");
  const int port = a.master_port > 0 ? a.master_port : unused_loopback_port();
  if (port == 0) throw Error("viva launch", "cannot find a free port (give --master-port)");
  // As torchrun does: one thread per rank unless asked otherwise, so ranks do not oversubscribe.
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::string threads = std::to_string(std::max(1u, cores / static_cast<unsigned>(a.nproc)));
  std::vector<pid_t> ranks;
  for (int rank = 0; rank < a.nproc; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error("viva launch", "cannot start rank " + std::to_string(rank));
    if (pid == 0) {
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(a.nproc).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(a.nproc).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::setenv("OMP_NUM_THREADS", threads.c_str(), 0);
      std::vector<char*> argv{const_cast<char*>("viva")};
      for (const auto& word : a.command) argv.push_back(const_cast<char*>(word.c_str()));
      argv.push_back(nullptr);
      ::execv("/proc/self/exe", argv.data());
      std::fprintf(stderr, "viva launch: rank %d could not start viva\n", rank);
      ::_exit(127);
    }
    ranks.push_back(pid);
  }
  ::signal(SIGINT, remember_signal);
  ::signal(SIGTERM, remember_signal);

  std::vector<bool> running(ranks.size(), true);
  int left = a.nproc, failed_rank = -1, failed_status = 0;
  std::chrono::steady_clock::time_point stop_sent;
  bool stopping = false, killed = false;
  auto stop_all = [&](int signal) {
    for (std::size_t r = 0; r < ranks.size(); ++r)
      if (running[r]) ::kill(ranks[r], signal);
  };
  while (left > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (std::size_t r = 0; r < ranks.size(); ++r) {
        if (ranks[r] != pid) continue;
        running[r] = false;
        --left;
        const bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        if (failed && failed_rank < 0 && !stopping) {
          failed_rank = static_cast<int>(r);
          failed_status = status;
          std::fprintf(stderr, "viva launch: rank %d %s; stopping the other ranks\n", failed_rank,
                       describe(status).c_str());
          stopping = true;
          stop_sent = std::chrono::steady_clock::now();
          stop_all(SIGTERM);
        }
      }
      continue;
    }
    if (const int signal = forwarded_signal.exchange(0)) {
      stop_all(signal);  // Ctrl-C or SIGTERM: every rank checkpoints and stops
    }
    if (stopping && !killed &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - stop_sent).count() > a.grace_s) {
      stop_all(SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (failed_rank >= 0) return WIFEXITED(failed_status) && WEXITSTATUS(failed_status) != 0 ? WEXITSTATUS(failed_status) : 1;
  return 0;
}

}  // namespace

void add_launch_command(CLI::App& app) {
  auto a = std::make_shared<LaunchArgs>();
  auto* cmd = app.add_subcommand(
      "launch",
      "Run a viva command as N ranks of one job on this machine (torchrun's environment: RANK, WORLD_SIZE, "
      "LOCAL_RANK, MASTER_ADDR, MASTER_PORT), e.g. viva launch --nproc 8 -- train sft --config sft.json. "
      "A failing rank stops the others; on a cluster use torchrun or srun with viva itself");
  cmd->add_option("--nproc", a->nproc, "Ranks to start")->required()->check(CLI::Range(1, 1024));
  cmd->add_option("--master-port", a->master_port, "Rendezvous port on 127.0.0.1 (default: a free one)")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--grace", a->grace_s, "Seconds the other ranks get to stop after one fails, before SIGKILL")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("command", a->command, "The viva command and its arguments, after --");
  set_guarded_callback(cmd, [a] {
    if (const int status = launch(*a)) throw CLI::RuntimeError(status);
  });
}

}  // namespace viva::cli
