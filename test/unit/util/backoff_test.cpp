// SPDX-License-Identifier: Apache-2.0
#include "util/backoff.hpp"
#include "util/environment.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace argoimg::util;
using std::chrono::milliseconds;

TEST_CASE("backoff: exponential steps with equal jitter, capped", "[util][backoff]") {
  BackoffPolicy policy{milliseconds(100), milliseconds(1000), 5};
  // random 0 gives half the step; random = half gives the whole step.
  CHECK(policy.delay(1, 0) == milliseconds(50));
  CHECK(policy.delay(1, 50) == milliseconds(100));
  CHECK(policy.delay(2, 0) == milliseconds(100));
  CHECK(policy.delay(3, 0) == milliseconds(200));
  CHECK(policy.delay(5, 0) == milliseconds(500));     // 1600 capped at 1000
  CHECK(policy.delay(60, 500) == milliseconds(1000)); // no overflow for huge retry numbers
  for (uint64_t random : {0ULL, 7ULL, 12345ULL, ~0ULL}) {
    auto wait = policy.delay(2, random);
    CHECK(wait >= milliseconds(100));
    CHECK(wait <= milliseconds(200));
  }
}

TEST_CASE("backoff: Retry-After replaces the computed wait and is capped", "[util][backoff]") {
  BackoffPolicy policy{milliseconds(100), milliseconds(10'000), 5};
  CHECK(policy.delay(1, 0, 3) == milliseconds(3000));
  CHECK(policy.delay(1, 0, 0) == milliseconds(0));
  CHECK(policy.delay(1, 0, int64_t{1} << 60) == milliseconds(10'000));
  CHECK(policy.delay(1, 0, -5) == milliseconds(50)); // a negative value is ignored
}

TEST_CASE("backoff: attempts are bounded", "[util][backoff]") {
  BackoffPolicy policy{milliseconds(100), milliseconds(1000), 3};
  CHECK(policy.may_retry(1));
  CHECK(policy.may_retry(2));
  CHECK_FALSE(policy.may_retry(3));
}

TEST_CASE("backoff: the jitter source is seedable and varies", "[util][backoff]") {
  JitterSource a(42), b(42), zero(0);
  std::set<uint64_t> seen;
  for (int i = 0; i < 100; ++i) {
    uint64_t value = a.next();
    CHECK(value == b.next());
    seen.insert(value);
  }
  CHECK(seen.size() == 100);
  CHECK(zero.next() != 0); // a zero seed does not get stuck at zero
}

TEST_CASE("environment: empty counts as unset; booleans are strict", "[util][environment]") {
  auto env = Environment::from_map(
      {{"A", "x"}, {"EMPTY", ""}, {"T", "True"}, {"F", "0"}, {"BAD", "maybe"}});
  CHECK(env.get("A") == std::optional<std::string>("x"));
  CHECK_FALSE(env.get("EMPTY"));
  CHECK_FALSE(env.get("MISSING"));
  CHECK(env.get_bool("T", false) == std::optional<bool>(true));
  CHECK(env.get_bool("F", true) == std::optional<bool>(false));
  CHECK(env.get_bool("MISSING", true) == std::optional<bool>(true));
  CHECK(env.get_bool("EMPTY", false) == std::optional<bool>(false));
  CHECK_FALSE(env.get_bool("BAD", false));
  CHECK_FALSE(Environment().get("PATH")); // a default Environment sees nothing
}
