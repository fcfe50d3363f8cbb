// SPDX-License-Identifier: Apache-2.0
// The request budget of registry::Client (docs/registries.md#request-budget): a bound on the
// requests of a run (--max-requests), and registries whose own rate limit ran out, which are
// not asked again until they reset.

#include "registry/client.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace argoimg::registry {

namespace {

// Refusals on this thread: a count the watches compare, and the latest reason.
thread_local size_t t_refusals = 0;
thread_local std::string t_refusal_reason;

// The longest a run waits out a registry's reset: a registry names up to 15 digits of seconds
// (or a reset in year 9999), which overflow steady_clock's nanoseconds; no run outlasts this.
constexpr uint64_t k_max_exhaustion_s = uint64_t{3650} * 86400;

// "3d4h", "2h13m", "5m7s", "42s".
std::string short_duration(uint64_t seconds) {
  if (seconds >= 86400) {
    return fmt::format("{}d{}h", seconds / 86400, seconds % 86400 / 3600);
  }
  if (seconds >= 3600) {
    return fmt::format("{}h{}m", seconds / 3600, seconds % 3600 / 60);
  }
  if (seconds >= 60) {
    return fmt::format("{}m{}s", seconds / 60, seconds % 60);
  }
  return fmt::format("{}s", seconds);
}

} // namespace

Client::BudgetWatch::BudgetWatch() : m_start(t_refusals) {}

std::optional<std::string> Client::BudgetWatch::refused() const {
  if (t_refusals == m_start) {
    return std::nullopt;
  }
  return t_refusal_reason;
}

Client::BudgetReport Client::budget() const {
  std::lock_guard<std::mutex> guard(m_mutex);
  BudgetReport report;
  report.limit = m_options.max_requests;
  report.used = m_spent;
  report.refused = m_refused;
  for (const auto& [host, exhaustion] : m_exhausted) {
    report.exhausted.emplace(host, exhaustion.reason);
  }
  return report;
}

std::optional<std::string> Client::spend_budget(const Endpoint& endpoint, bool spend) {
  std::optional<std::string> refusal;
  if (auto it = m_exhausted.find(endpoint.host); it != m_exhausted.end()) {
    if (it->second.until && m_options.now() >= *it->second.until) {
      m_exhausted.erase(it); // the window it named has passed
    } else {
      refusal = it->second.reason;
    }
  }
  if (!refusal && m_options.max_requests && m_spent >= *m_options.max_requests) {
    refusal = fmt::format("request budget exhausted (--max-requests {})", *m_options.max_requests);
  }
  // per registries.conf entry (its name and API): the entry's budget is its own
  std::string entry = endpoint.max_requests ? endpoint.name + "\n" + endpoint.api_url : "";
  if (!refusal && endpoint.max_requests && m_spent_at[entry] >= *endpoint.max_requests) {
    refusal = fmt::format("registry {} request budget exhausted (registries.conf maxrequests {})",
                          util::quote(endpoint.host),
                          *endpoint.max_requests);
  }
  if (refusal) {
    ++m_refused;
    ++t_refusals;
    t_refusal_reason = *refusal;
    return refusal;
  }
  if (spend) {
    ++m_spent;
    if (endpoint.max_requests) {
      ++m_spent_at[entry];
    }
  }
  return std::nullopt;
}

void Client::note_exhausted(const Endpoint& endpoint, const RateLimitStatus& status) {
  std::optional<int64_t> unix_now;
  if (m_options.unix_now) {
    unix_now = m_options.unix_now();
  }
  // When it resets: a timestamp, else seconds from now (the reset, else Retry-After).
  std::optional<int64_t> at = status.reset_at;
  std::optional<uint64_t> in;
  if (at && unix_now) {
    in = static_cast<uint64_t>(std::max<int64_t>(*at - *unix_now, 0));
  } else if (!at) {
    in = status.reset_seconds ? status.reset_seconds : status.retry_after_seconds;
    if (in && unix_now) {
      at = *unix_now + static_cast<int64_t>(*in);
    }
  }
  std::string reason = "registry " + util::quote(endpoint.host) + " rate limit exhausted";
  if (at && in) {
    reason += fmt::format("; resets at {} (in {})", util::format_utc(*at), short_duration(*in));
  } else if (at) {
    reason += "; resets at " + util::format_utc(*at);
  } else if (in) {
    reason += "; resets in " + short_duration(*in);
  } else if (status.window_seconds && *status.window_seconds > 0) {
    // Docker Hub names only its window (`;w=21600`): the reset is within it, not known when.
    reason += "; resets within " + short_duration(*status.window_seconds) + " (its window)";
  } else {
    reason += " (it named no reset time)";
  }
  Exhaustion exhaustion{reason, std::nullopt};
  if (in) {
    exhaustion.until =
        m_options.now()
        + std::chrono::seconds(static_cast<int64_t>(std::min<uint64_t>(*in, k_max_exhaustion_s)));
  }
  if (m_exhausted.find(endpoint.host) == m_exhausted.end()) {
    m_logger.warn(reason + "; its remaining images are skipped");
  }
  m_exhausted[endpoint.host] = std::move(exhaustion);
}

} // namespace argoimg::registry
