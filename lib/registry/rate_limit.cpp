// SPDX-License-Identifier: Apache-2.0
#include "registry/rate_limit.hpp"

#include "util/strings.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

#include <charconv>
#include <vector>

namespace argoimg::registry {

namespace {

// Real budget headers are a few dozen characters; anything longer is not one of them.
constexpr size_t k_max_header_length = 256;
// 15 digits: far beyond any budget or timestamp, and well inside uint64_t.
constexpr size_t k_max_digits = 15;
// A reset at or above this is a Unix time (GitHub's and GitLab's X-RateLimit-Reset), below it
// a number of seconds (the IETF draft's RateLimit-Reset): 10^9 seconds is 31 years.
constexpr uint64_t k_unix_time_threshold = 1'000'000'000;
constexpr int64_t k_year_10000 = 253'402'300'800; // RFC 3339 has four-digit years

bool printable_ascii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

std::optional<uint64_t> parse_count(std::string_view text) {
  text = util::trim(text);
  if (text.empty() || text.size() > k_max_digits || !util::is_digits(text)) {
    return std::nullopt;
  }
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

struct Quota {
  uint64_t value = 0;
  std::optional<uint64_t> window;
};

// `100;w=21600` (Docker Hub), `10, 10;w=1, 50;w=60` (the IETF draft's list of policies, the
// first being the one in force), or a bare number. Other parameters (`comment="…"`) are skipped.
std::optional<Quota> parse_quota(std::string_view header) {
  if (header.size() > k_max_header_length || !printable_ascii(header)) {
    return std::nullopt;
  }
  std::string_view first = header.substr(0, header.find(','));
  auto parts = util::split(first, ';');
  auto value = parse_count(parts.empty() ? first : parts[0]);
  if (!value) {
    return std::nullopt;
  }
  Quota quota{*value, std::nullopt};
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view param = util::trim(parts[i]);
    size_t equals = param.find('=');
    if (equals != std::string_view::npos
        && util::iequals(util::trim(param.substr(0, equals)), "w")) {
      quota.window = parse_count(param.substr(equals + 1));
      if (!quota.window) {
        return std::nullopt;
      }
    }
  }
  return quota;
}

// The first readable value of `name`, else of `fallback` (the X- family).
std::optional<Quota>
read_quota(const HttpResponse& response, std::string_view name, std::string_view fallback) {
  for (std::string_view header : {name, fallback}) {
    if (auto value = response.header(header)) {
      if (auto quota = parse_quota(*value)) {
        return quota;
      }
    }
  }
  return std::nullopt;
}

bool has_budget(const RateLimitStatus& status) {
  return status.limit || status.remaining || status.window_seconds || status.reset_seconds
         || status.reset_at;
}

} // namespace

RateLimitStatus parse_rate_limit(const HttpResponse& response) {
  RateLimitStatus status;
  if (auto limit = read_quota(response, "ratelimit-limit", "x-ratelimit-limit")) {
    status.limit = limit->value;
    status.window_seconds = limit->window;
  }
  if (auto remaining = read_quota(response, "ratelimit-remaining", "x-ratelimit-remaining")) {
    status.remaining = remaining->value;
    if (!status.window_seconds) {
      status.window_seconds = remaining->window;
    }
  }
  if (auto reset = read_quota(response, "ratelimit-reset", "x-ratelimit-reset")) {
    if (reset->value < k_unix_time_threshold) {
      status.reset_seconds = reset->value;
    } else if (reset->value < static_cast<uint64_t>(k_year_10000)) {
      status.reset_at = static_cast<int64_t>(reset->value);
    }
  }
  if (auto retry = response.header("retry-after");
      retry && retry->size() <= k_max_header_length && printable_ascii(*retry)) {
    status.retry_after_seconds = parse_count(*retry); // an HTTP date is not a budget
  }
  return status;
}

void merge_rate_limit(RateLimitStatus& kept, const RateLimitStatus& seen) {
  if (has_budget(seen)) {
    bool lower = !kept.remaining || (seen.remaining && *seen.remaining <= *kept.remaining);
    if (lower) {
      std::optional<uint64_t> retry_after = kept.retry_after_seconds;
      kept = seen;
      kept.retry_after_seconds = retry_after;
    }
  }
  if (seen.retry_after_seconds) {
    kept.retry_after_seconds = seen.retry_after_seconds;
  }
}

std::string describe_rate_limit(const std::string& host, const RateLimitStatus& status) {
  std::string budget;
  if (status.remaining && status.limit) {
    budget = fmt::format("{} of {} requests left", *status.remaining, *status.limit);
  } else if (status.remaining) {
    budget = fmt::format("{} requests left", *status.remaining);
  } else if (status.limit) {
    budget = fmt::format("limit {} requests", *status.limit);
  }
  std::vector<std::string> details;
  if (status.window_seconds) {
    details.push_back(fmt::format("window {} s", *status.window_seconds));
  }
  if (status.reset_seconds) {
    details.push_back(fmt::format("resets in {} s", *status.reset_seconds));
  }
  if (status.reset_at) {
    details.push_back("resets at " + util::format_utc(*status.reset_at));
  }
  std::string line = "registry " + util::quote(host) + " rate limit: ";
  line += budget.empty() ? "no budget sent" : budget;
  if (!details.empty()) {
    line += " (" + util::join(details, ", ") + ")";
  }
  if (status.retry_after_seconds) {
    line += fmt::format("; last Retry-After {} s", *status.retry_after_seconds);
  }
  return line;
}

} // namespace argoimg::registry
