#include "viva/vlm/parallel_items.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace viva {

void for_each_item(int64_t n, int jobs, const std::function<void(int64_t)>& work,
                   const std::function<void(int64_t)>& done) {
  std::atomic<int64_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex lock;
  std::exception_ptr failure;
  auto worker = [&] {
    for (int64_t i; !stop && (i = next++) < n;) {
      try {
        work(i);
        std::lock_guard<std::mutex> guard(lock);
        done(i);
      } catch (...) {
        std::lock_guard<std::mutex> guard(lock);
        if (!failure) failure = std::current_exception();
        stop = true;
      }
    }
  };
  const int threads = static_cast<int>(std::clamp<int64_t>(jobs, 1, std::max<int64_t>(n, 1)));
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace viva
