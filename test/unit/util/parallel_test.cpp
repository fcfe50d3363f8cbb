// SPDX-License-Identifier: Apache-2.0
// util::parallel_for: every index once, and an exception from the work reaches the caller
// (on a worker thread it used to end the process through std::terminate).

#include "util/parallel.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace argoimg;

TEST_CASE("parallel_for runs every index exactly once", "[util]") {
  for (size_t threads : {size_t{1}, size_t{2}, size_t{7}, size_t{64}}) {
    std::vector<std::atomic<int>> seen(1000);
    util::parallel_for(seen.size(), threads, [&seen](size_t i) { ++seen[i]; });
    for (const auto& count : seen) {
      CHECK(count == 1);
    }
  }
  util::parallel_for(0, 4, [](size_t) { FAIL("no index to run"); });
}

TEST_CASE("parallel_for rethrows the work's exception after every thread stopped", "[util]") {
  for (size_t threads : {size_t{1}, size_t{2}, size_t{8}}) {
    std::atomic<size_t> ran{0};
    std::atomic<bool> thrown{false};
    CHECK_THROWS_WITH(util::parallel_for(10000,
                                         threads,
                                         [&](size_t i) {
                                           if (i == 17) {
                                             thrown = true;
                                             throw std::runtime_error("index 17 failed");
                                           }
                                           ++ran;
                                         }),
                      "index 17 failed");
    CHECK(thrown);
    CHECK(ran < 10000); // the indexes after the failure were not all handed out
    // Nothing runs once the call has returned.
    size_t after = ran;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(ran == after);
  }
}
