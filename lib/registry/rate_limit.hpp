// SPDX-License-Identifier: Apache-2.0
#pragma once

// What registries say about their request budgets: the rate-limit headers of a response, read
// strictly (numbers only; a header that is long, malformed or carries anything but printable
// ASCII is ignored, so nothing a registry sends is ever echoed).

#include "registry/http.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace argoimg::registry {

// One registry's budget as its latest responses told it. Unknown fields stay empty.
struct RateLimitStatus {
  std::optional<uint64_t> limit;          // requests per window
  std::optional<uint64_t> remaining;      // requests left in the window
  std::optional<uint64_t> window_seconds; // the window (`;w=` of Docker Hub and the IETF draft)
  std::optional<uint64_t> reset_seconds;  // seconds until the window resets, as of the response
  std::optional<int64_t> reset_at;        // Unix time of the reset, when sent as a timestamp
  std::optional<uint64_t> retry_after_seconds; // the latest `Retry-After` (delta seconds)

  bool empty() const {
    return !limit && !remaining && !window_seconds && !reset_seconds && !reset_at
           && !retry_after_seconds;
  }
};

// Read the rate-limit headers of `response`: `RateLimit-Limit`/`-Remaining`/`-Reset` (Docker
// Hub sends `ratelimit-limit: 100;w=21600`), else `X-RateLimit-Limit`/`-Remaining`/`-Reset`,
// and `Retry-After` in seconds. A reset of 1,000,000,000 or more is a Unix time, anything
// smaller a number of seconds. Never fails: what cannot be read is left empty.
RateLimitStatus parse_rate_limit(const HttpResponse& response);

// Fold `seen` (a newer response) into `kept`: the observation with the fewest requests
// remaining wins with its limit, window and reset (parallel responses arrive out of order, and
// the lower count is the one to trust); `Retry-After` is the latest one sent.
void merge_rate_limit(RateLimitStatus& kept, const RateLimitStatus& seen);

// Return one line for the log: "registry 'docker.io': 76 of 100 requests left (window 21600 s,
// resets in 3600 s)". Only numbers argoimg parsed and the host appear.
std::string describe_rate_limit(const std::string& host, const RateLimitStatus& status);

} // namespace argoimg::registry
