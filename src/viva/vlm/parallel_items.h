#pragma once
// Items worked on by a few threads at once: a VLM request spends its time waiting on the
// server, so a handful in flight cuts a run's wall time by as much.
#include <cstdint>
#include <functional>

namespace viva {

// Runs work(i) for every i in [0, n) on `jobs` threads (1: on the calling thread), then
// done(i) under a lock shared by all threads (for progress and logs). An exception from
// either stops new items from starting and is rethrown once every thread has finished.
void for_each_item(int64_t n, int jobs, const std::function<void(int64_t)>& work,
                   const std::function<void(int64_t)>& done);

}  // namespace viva
