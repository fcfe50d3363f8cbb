// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace argoimg::util {

// The machine's hardware threads, at least 1. Asked once: glibc reads a sysfs file on every
// std::thread::hardware_concurrency() call, which cost ~17% of planning the edits when each
// file's batch asked.
inline size_t hardware_threads() {
  static const size_t threads = std::max(1U, std::thread::hardware_concurrency());
  return threads;
}

// Call `work(i)` for every i in [0, count) on up to `threads` threads (the caller's included);
// each index runs exactly once. `work` must be safe to run concurrently for distinct indexes.
// An exception from `work` stops the handing out of indexes (those already running finish) and
// is rethrown here once every thread has stopped: on a worker thread it would end the process.
// A thread that cannot be started leaves its share to the threads that were.
template <typename Work> void parallel_for(size_t count, size_t threads, Work&& work) {
  std::atomic<size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto worker = [&] {
    try {
      for (size_t i = next++; i < count; i = next++) {
        work(i);
      }
    } catch (...) {
      next = count;
      std::lock_guard lock(failure_mutex);
      if (!failure) {
        failure = std::current_exception();
      }
    }
  };
  threads = std::min(std::max<size_t>(threads, 1), std::max<size_t>(count, 1));
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t i = 1; i < threads; ++i) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;
    }
  }
  worker();
  for (auto& thread : pool) {
    thread.join();
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
}

} // namespace argoimg::util
