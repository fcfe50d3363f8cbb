// SPDX-License-Identifier: Apache-2.0
#pragma once

// One retry policy for every remote argoimg talks to: registries (429, 5xx, network errors), the
// Argo CD API (409 conflicts) and git pushes (rejected because the remote moved). Pure: the
// caller supplies the random draw and does the waiting through its effects.

#include <chrono>
#include <cstdint>
#include <optional>

namespace argoimg::util {

struct BackoffPolicy {
  std::chrono::milliseconds base{250};   // the step of the first retry
  std::chrono::milliseconds cap{10'000}; // no wait is longer, whatever the server asks
  int max_attempts = 5;                  // tries in all, the first included

  // The wait before retry `retry` (1 for the first retry): exponential from `base`, capped, with
  // "equal jitter" (at least half the step, so retries never bunch up at zero). `random` is any
  // 64-bit draw. A server's `Retry-After` (seconds), when given, replaces the computed wait and
  // is capped too.
  std::chrono::milliseconds
  delay(int retry, uint64_t random, std::optional<int64_t> retry_after_seconds = {}) const;

  // Whether another try may follow try number `attempt` (1-based).
  bool may_retry(int attempt) const { return attempt < max_attempts; }
};

// A small, fast, seedable generator (xorshift64*) for jitter; not for anything secret.
class JitterSource {
public:
  explicit JitterSource(uint64_t seed) : m_state(seed ? seed : 0x9e3779b97f4a7c15ULL) {}
  uint64_t next();

private:
  uint64_t m_state;
};

} // namespace argoimg::util
