// SPDX-License-Identifier: Apache-2.0
// How long a forge's rate limit asks argoimg to wait.
#include "forge/api_detail.hpp"

#include "util/strings.hpp"
#include "util/time.hpp"

#include <charconv>

namespace argoimg::forge::detail {

namespace {

std::optional<int64_t> number(std::string_view text) {
  text = util::trim(text);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

std::chrono::seconds until(int64_t epoch_seconds, std::chrono::system_clock::time_point now) {
  auto now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  // A reset already past still gets a second: the forge's clock may be ahead of ours.
  return std::chrono::seconds(std::max<int64_t>(1, epoch_seconds - now_seconds));
}

} // namespace

std::optional<std::chrono::seconds> rate_limit_wait(const registry::HttpResponse& response,
                                                    std::chrono::system_clock::time_point now,
                                                    int attempt) {
  long status = response.status;
  auto retry_after = response.header("retry-after");
  bool exhausted = response.header("x-ratelimit-remaining").value_or("") == "0";
  bool secondary =
      status == 403
      && util::to_lower(response.body.substr(0, 4096)).find("rate limit") != std::string::npos;
  bool limited = status == 429 || (status == 403 && (retry_after || exhausted || secondary))
                 || (status == 503 && retry_after);
  if (!limited) {
    return std::nullopt;
  }
  if (retry_after) {
    if (auto seconds = number(*retry_after)) {
      return std::chrono::seconds(*seconds);
    }
    if (auto date = util::parse_http_date(*retry_after)) {
      return until(*date, now);
    }
  }
  if (exhausted) {
    if (auto reset = number(response.header("x-ratelimit-reset").value_or(""))) {
      return until(*reset, now);
    }
  }
  // GitLab: RateLimit-Reset is the epoch second the window resets.
  if (auto reset = number(response.header("ratelimit-reset").value_or(""))) {
    return until(*reset, now);
  }
  if (secondary) {
    return std::chrono::seconds(60); // GitHub: "wait at least one minute"
  }
  // A bare 429: back off 1, 2, 4... seconds.
  return std::chrono::seconds(int64_t{1} << std::min(attempt - 1, 10));
}

} // namespace argoimg::forge::detail
