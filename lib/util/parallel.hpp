// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace argoimg::util {

// Call `work(i)` for every i in [0, count) on up to `threads` threads (the caller's included);
// each index runs exactly once. `work` must be safe to run concurrently for distinct indexes.
template <typename Work> void parallel_for(size_t count, size_t threads, Work&& work) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < count; i = next++) {
      work(i);
    }
  };
  threads = std::min(std::max<size_t>(threads, 1), std::max<size_t>(count, 1));
  std::vector<std::thread> pool;
  for (size_t i = 1; i < threads; ++i) {
    pool.emplace_back(worker);
  }
  worker();
  for (auto& thread : pool) {
    thread.join();
  }
}

} // namespace argoimg::util
