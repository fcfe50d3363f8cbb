// SPDX-License-Identifier: Apache-2.0
#include "util/backoff.hpp"

#include <algorithm>

namespace argoimg::util {

std::chrono::milliseconds
BackoffPolicy::delay(int retry, uint64_t random, std::optional<int64_t> retry_after_seconds) const {
  using std::chrono::milliseconds;
  if (retry_after_seconds && *retry_after_seconds >= 0) {
    // Compare in seconds first: a huge value must not overflow the milliseconds.
    auto cap_s = std::chrono::duration_cast<std::chrono::seconds>(cap).count();
    return *retry_after_seconds >= cap_s ? cap : milliseconds(*retry_after_seconds * 1000);
  }
  int shift = std::clamp(retry - 1, 0, 20);
  milliseconds step = std::min(base * (int64_t{1} << shift), cap);
  int64_t half = step.count() / 2;
  int64_t extra = half > 0 ? static_cast<int64_t>(random % static_cast<uint64_t>(half + 1)) : 0;
  return milliseconds(half + extra + (step.count() % 2));
}

uint64_t JitterSource::next() {
  m_state ^= m_state >> 12;
  m_state ^= m_state << 25;
  m_state ^= m_state >> 27;
  return m_state * 0x2545F4914F6CDD1DULL;
}

} // namespace argoimg::util
