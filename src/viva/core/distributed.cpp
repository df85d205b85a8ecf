#include "viva/core/distributed.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <exception>
#include <string>

#define VIVA_COMPAT_C10D  // the process groups' part of compat.h
#include "viva/core/compat.h"
#include "viva/core/device.h"
#include "viva/core/error.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>

namespace viva {
namespace {

// A library error's message without libtorch's backtrace (one line for the user).
std::string message_of(const std::exception& e) {
  if (const auto* torch_error = dynamic_cast<const c10::Error*>(&e)) return torch_error->what_without_backtrace();
  return e.what();
}

// The first of `names` that is set, as an integer in [low, high]; `fallback` when none is.
int integer_variable(std::initializer_list<const char*> names, int fallback, int low, int high) {
  for (const char* name : names) {
    const char* text = std::getenv(name);
    if (!text) continue;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < low || value > high)
      throw Error(std::string("environment variable ") + name,
                  "'" + std::string(text) + "' is not an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
    return static_cast<int>(value);
  }
  return fallback;
}

}  // namespace

LaunchEnvironment LaunchEnvironment::from_environment() {
  LaunchEnvironment env;
  env.world_size = integer_variable({"WORLD_SIZE", "SLURM_NTASKS"}, 1, 1, 1 << 20);
  env.rank = integer_variable({"RANK", "SLURM_PROCID"}, 0, 0, env.world_size - 1);
  env.local_rank = integer_variable({"LOCAL_RANK", "SLURM_LOCALID"}, 0, 0, 1 << 16);
  env.master_port = integer_variable({"MASTER_PORT"}, env.master_port, 1, 65535);
  if (const char* addr = std::getenv("MASTER_ADDR")) env.master_addr = addr;
  const char* agent_store = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  env.store_served_by_launcher = agent_store && std::string(agent_store) == "True";
  return env;
}

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<compat::CollectiveGroup> group;
  std::atomic<bool> failed{false};

  // Runs a collective's start or wait, remembering a failure (a lost rank, a timeout).
  template <class F>
  auto guarded(const F& f) -> decltype(f()) {
    try {
      return f();
    } catch (...) {
      failed = true;
      throw;
    }
  }
};

int unused_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool found = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  return found ? ntohs(address.sin_port) : 0;
}

ProcessGroup::ProcessGroup(const LaunchEnvironment& env, torch::Device device, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()), timeout_(timeout), rank_(env.rank), world_size_(env.world_size), device_(device) {
  const std::string where = "process group at " + env.master_addr + ":" + std::to_string(env.master_port);
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(env.master_port);
    options.isServer = env.rank == 0 && !env.store_served_by_launcher;
    options.numWorkers = static_cast<std::size_t>(env.world_size);
    options.timeout = timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
    make_current(device);  // the rank's GPU, before NCCL starts
    impl_->group = compat::make_collective_group(impl_->store, env.rank, env.world_size, device, timeout);
  } catch (const std::exception& e) {
    throw Error(where, std::string("rank ") + std::to_string(env.rank) + " of " + std::to_string(env.world_size) +
                           " could not join: " + message_of(e));
  }
}

ProcessGroup::ProcessGroup(const ProcessGroup& parent, int first, int size, const std::string& name)
    : impl_(std::make_unique<Impl>()),
      timeout_(parent.timeout_),
      rank_(parent.rank_ - first),
      world_size_(size),
      device_(parent.device_) {
  if (first < 0 || size < 1 || first + size > parent.world_size_ || rank_ < 0 || rank_ >= size)
    throw Error("process group " + name, "rank " + std::to_string(parent.rank_) + " is not in ranks [" +
                                             std::to_string(first) + ", " + std::to_string(first + size) + ")");
  try {
    impl_->store = c10::make_intrusive<c10d::PrefixStore>(name, parent.impl_->store);
    impl_->group = compat::make_collective_group(impl_->store, rank_, size, device_, timeout_);
  } catch (const std::exception& e) {
    throw Error("process group " + name, std::string("rank ") + std::to_string(rank_) + " of " + std::to_string(size) +
                                            " could not join: " + message_of(e));
  }
}

ProcessGroup::~ProcessGroup() {
  // After a failed collective, or while an exception unwinds (a failed step): aborted, not
  // flushed, since a flush could wait on ranks that are gone. Either can throw on libtorch 2.7+;
  // a destructor must not (it would end the program before the first error is reported).
  if (!impl_->group) return;
  try {
    compat::end_collective_group(*impl_->group, impl_->failed || std::uncaught_exceptions() > 0);
  } catch (...) {
  }
}

bool ProcessGroup::failed() const { return impl_->failed; }

namespace {

// Gloo (libtorch 1.x) moves no bfloat16. The collectives that only move data (broadcast,
// all-gather, all-to-all) carry a bf16 tensor as its bytes, which every backend moves.
torch::Tensor carried(const torch::Tensor& t) {
  return t.scalar_type() == torch::kBFloat16 && t.dim() > 0 ? t.view(torch::kUInt8) : t;
}

}  // namespace

ProcessGroup::Pending ProcessGroup::start_all_reduce_sum(torch::Tensor& t) {
  std::vector<at::Tensor> one{t};
  c10::intrusive_ptr<c10d::Work> work = impl_->guarded([&] { return impl_->group->allreduce(one); });
  return Pending([impl = impl_.get(), work] { impl->guarded([&] { work->wait(); }); });
}

void ProcessGroup::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  std::vector<Pending> pending;
  for (auto& t : tensors) pending.push_back(start_all_reduce_sum(t));
  for (auto& p : pending) p.wait();
}

void ProcessGroup::all_reduce_sum(std::vector<double>& values) {
  if (values.empty()) return;
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64).to(device_)};
  all_reduce_sum(t);
  const torch::Tensor host = t[0].cpu();
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = host[static_cast<int64_t>(i)].item<double>();
}

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, int root) {
  c10d::BroadcastOptions options;
  options.rootRank = root;
  impl_->guarded([&] {
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (auto& t : tensors) {
      std::vector<at::Tensor> one{carried(t)};
      works.push_back(impl_->group->broadcast(one, options));
    }
    for (auto& w : works) w->wait();
  });
}

torch::Tensor ProcessGroup::all_gather(const torch::Tensor& part) {
  std::vector<at::Tensor> input{carried(part.contiguous())};
  std::vector<std::vector<at::Tensor>> output(1);
  for (int r = 0; r < world_size_; ++r) output[0].push_back(torch::empty_like(input[0]));
  impl_->guarded([&] { impl_->group->allgather(output, input)->wait(); });
  return torch::cat(output[0], 0).view(part.scalar_type());
}

torch::Tensor ProcessGroup::all_to_all(const torch::Tensor& parts) {
  at::Tensor input = carried(parts.contiguous());
  at::Tensor output = torch::empty_like(input);
  std::vector<int64_t> equal_splits;  // empty: world-size equal blocks
  impl_->guarded([&] { impl_->group->alltoall_base(output, input, equal_splits, equal_splits)->wait(); });
  return output.view(parts.scalar_type());
}

torch::Tensor ProcessGroup::reduce_scatter_sum(torch::Tensor& input) {
  if (input.numel() % world_size_ != 0)
    throw Error("process group", "a reduce-scatter of " + std::to_string(input.numel()) +
                                     " values does not split over " + std::to_string(world_size_) + " ranks");
  const int64_t part = input.numel() / world_size_;
  at::Tensor flat = input.contiguous().view(-1);
  if (!reduce_scatter_missing_) {
    at::Tensor mine = torch::empty({part}, flat.options());
    c10::intrusive_ptr<c10d::Work> work;
    try {
      work = impl_->group->_reduce_scatter_base(mine, flat);
    } catch (const c10::Error& e) {
      if (std::string(e.what_without_backtrace()).find("does not support") == std::string::npos) {
        impl_->failed = true;
        throw;
      }
      reduce_scatter_missing_ = true;  // asked before anything was sent: every rank falls back alike
    }
    if (work) {
      impl_->guarded([&] { work->wait(); });
      return mine;
    }
  }
  std::vector<torch::Tensor> whole{flat};
  all_reduce_sum(whole);
  return flat.narrow(0, rank_ * part, part);
}

void ProcessGroup::store_barrier(std::chrono::milliseconds timeout) {
  // The last rank to arrive marks the barrier done; every rank waits for that mark.
  const std::string key = "viva_store_barrier_" + std::to_string(store_barriers_++);
  try {
    if (impl_->store->add(key, 1) == world_size_) impl_->store->set(key + "_done", std::vector<uint8_t>{1});
    impl_->store->wait({key + "_done"}, timeout);
  } catch (const std::exception& e) {
    throw Error("process group", "rank " + std::to_string(rank_) + " of " + std::to_string(world_size_) +
                                     ": not every rank reached barrier " + key + " within " +
                                     std::to_string(timeout.count() / 1000) + " s (" + message_of(e) + ")");
  }
}

}  // namespace viva
