// SPDX-License-Identifier: Apache-2.0
// Sending for registry::Client: per-registry rate limits, request counts, bounded retries.

#include "registry/client.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>

namespace argoimg::registry {

namespace {

bool retryable_status(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// The deadline of the public call running on this thread (tag walks run in parallel).
thread_local std::optional<std::chrono::steady_clock::time_point> t_deadline;

// Seconds of `Retry-After` (delta-seconds only; an HTTP date or garbage is ignored).
std::optional<int64_t> retry_after_seconds(std::string_view text) {
  int64_t seconds = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size() || seconds < 0) {
    return std::nullopt;
  }
  return seconds;
}

} // namespace

Client::DeadlineScope::DeadlineScope(const Client& client) {
  if (!t_deadline && client.m_options.repository_deadline.count() > 0) {
    t_deadline = client.m_options.now() + client.m_options.repository_deadline;
    m_owner = true;
  }
}

Client::DeadlineScope::~DeadlineScope() {
  if (m_owner) {
    t_deadline.reset();
  }
}

std::map<std::string, RateLimitStatus> Client::rate_limits() const {
  std::lock_guard<std::mutex> guard(m_mutex);
  return m_rate_limits;
}

void Client::note_rate_limit(const Endpoint& endpoint,
                             const HttpRequest& request,
                             const HttpResponse& response) {
  // Only the registry's own answers: a token service's budget is another one.
  if (request.url.rfind(endpoint.api_url + "/", 0) != 0) {
    return;
  }
  RateLimitStatus seen = parse_rate_limit(response);
  if (seen.empty()) {
    return;
  }
  std::lock_guard<std::mutex> guard(m_mutex);
  merge_rate_limit(m_rate_limits[endpoint.host], seen);
  if (seen.remaining && *seen.remaining == 0) {
    note_exhausted(endpoint, seen);
  }
}

void Client::wait_for_rate_limit(const Endpoint& endpoint) {
  if (endpoint.rate_limit <= 0) {
    return;
  }
  auto spacing = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / endpoint.rate_limit));
  std::chrono::steady_clock::time_point now;
  std::chrono::steady_clock::time_point slot;
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    now = m_options.now();
    auto& next = m_next_slot[endpoint.api_url];
    slot = std::max(now, next);
    next = slot + spacing;
  }
  if (slot > now && m_options.sleep) {
    m_options.sleep(std::chrono::ceil<std::chrono::milliseconds>(slot - now));
  }
}

std::chrono::milliseconds Client::backoff(size_t attempt, const HttpResponse* response) {
  std::optional<int64_t> retry_after;
  if (response) {
    if (auto header = response->header("retry-after")) {
      retry_after = retry_after_seconds(*header);
    }
  }
  uint64_t random = 0;
  if (!retry_after) { // a server's wait needs no jitter
    std::lock_guard<std::mutex> guard(m_mutex);
    random = m_jitter.next();
  }
  return m_backoff.delay(
      static_cast<int>(std::min<size_t>(attempt, 1000)) + 1, random, retry_after);
}

util::Result<HttpResponse> Client::send_counted(const Endpoint& endpoint,
                                                const HttpRequest& request) {
  using std::chrono::milliseconds;
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(m_options.repository_deadline);
  auto give_up = [&](const std::string& last) {
    std::string why =
        fmt::format("{}; gave up after {} s (the deadline per repository)", last, seconds.count());
    std::lock_guard<std::mutex> guard(m_mutex);
    m_stalled.emplace(endpoint.api_url, why);
    return util::fail(util::ErrorKind::timeout, why);
  };
  if (auto local = m_transport.stored(request)) {
    std::lock_guard<std::mutex> guard(m_mutex);
    ++m_cache_hits[endpoint.host]; // no request to the registry, nothing spent (docs/cache.md)
    return std::move(*local);
  }
  HttpRequest attempt_request = request;
  for (size_t attempt = 0;; ++attempt) {
    {
      std::lock_guard<std::mutex> guard(m_mutex);
      if (auto stalled = m_stalled.find(endpoint.api_url); stalled != m_stalled.end()) {
        return util::fail(util::ErrorKind::timeout,
                          "registry " + util::quote(endpoint.host)
                              + " was given up on earlier in this run: " + stalled->second);
      }
    }
    {
      // Refused before waiting for the pace: skipping many images must not cost their waits.
      std::lock_guard<std::mutex> guard(m_mutex);
      if (auto refusal = spend_budget(endpoint, false)) {
        return util::fail(util::ErrorKind::network, *refusal);
      }
    }
    wait_for_rate_limit(endpoint);
    if (t_deadline) {
      auto remaining = std::chrono::ceil<milliseconds>(*t_deadline - m_options.now());
      if (remaining.count() <= 0) {
        return give_up(
            fmt::format("{} {}: no answer in time", request.method, redact_url(request.url)));
      }
      attempt_request.timeout = remaining;
    }
    {
      std::lock_guard<std::mutex> guard(m_mutex);
      if (auto refusal = spend_budget(endpoint, true)) {
        return util::fail(util::ErrorKind::network, *refusal);
      }
      ++m_requests[endpoint.host];
    }
    auto response = m_transport.send(attempt_request);
    if (response && response->from_cache) {
      // another thread stored it meanwhile: no request went out after all (docs/cache.md)
      std::lock_guard<std::mutex> guard(m_mutex);
      --m_requests[endpoint.host];
      ++m_cache_hits[endpoint.host];
    }
    if (response) {
      note_rate_limit(endpoint, request, *response);
    }
    bool retry = response ? retryable_status(response->status)
                          : (response.error().kind == util::ErrorKind::network
                             || response.error().kind == util::ErrorKind::timeout);
    if (!retry || !m_backoff.may_retry(static_cast<int>(std::min<size_t>(attempt, 1000)) + 1)) {
      if (response && response->status == 429
          && request.url.rfind(endpoint.api_url + "/", 0) == 0) {
        std::lock_guard<std::mutex> guard(m_mutex);
        note_exhausted(endpoint, parse_rate_limit(*response)); // still refused after retries
      }
      if (!response && response.error().kind == util::ErrorKind::timeout && t_deadline
          && m_options.now() >= *t_deadline) {
        return give_up(response.error().message);
      }
      return response;
    }
    auto delay = backoff(attempt, response ? &*response : nullptr);
    std::string last =
        response ? "HTTP " + std::to_string(response->status) : response.error().message;
    if (t_deadline && m_options.now() + delay >= *t_deadline) {
      // Waiting would end past the deadline: stop now instead of sleeping for nothing.
      if (response) {
        return response;
      }
      return give_up(last); // the transport's message names the method and URL
    }
    m_logger.info(fmt::format("{} {}: {}; retry {} of {} in {} ms",
                              request.method,
                              redact_url(request.url),
                              last,
                              attempt + 1,
                              m_options.max_retries,
                              delay.count()));
    if (m_options.sleep) {
      m_options.sleep(delay);
    }
  }
}

} // namespace argoimg::registry
