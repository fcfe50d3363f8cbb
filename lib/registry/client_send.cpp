// SPDX-License-Identifier: Apache-2.0
// Sending for registry::Client: per-registry rate limits, request counts, bounded retries.

#include "registry/client.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace argoimg::registry {

namespace {

bool retryable_status(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

} // namespace

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
  using std::chrono::milliseconds;
  if (response) {
    if (auto retry_after = response->header("retry-after");
        retry_after && util::is_digits(*retry_after) && retry_after->size() < 7) {
      return std::min(milliseconds(std::stol(*retry_after) * 1000), m_options.retry_cap);
    }
  }
  // Exponential with "equal jitter": at least half the step, so retries never bunch up at 0.
  milliseconds step = std::min(m_options.retry_base * (int64_t{1} << std::min<size_t>(attempt, 20)),
                               m_options.retry_cap);
  unsigned random;
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    m_jitter_state ^= m_jitter_state << 13;
    m_jitter_state ^= m_jitter_state >> 17;
    m_jitter_state ^= m_jitter_state << 5;
    random = m_jitter_state;
  }
  auto half = step.count() / 2;
  return milliseconds(
      half + (half > 0 ? static_cast<int64_t>(random % static_cast<unsigned>(half + 1)) : 0));
}

util::Result<HttpResponse> Client::send_counted(const Endpoint& endpoint,
                                                const HttpRequest& request) {
  for (size_t attempt = 0;; ++attempt) {
    wait_for_rate_limit(endpoint);
    {
      std::lock_guard<std::mutex> guard(m_mutex);
      ++m_requests[endpoint.host];
    }
    auto response = m_transport.send(request);
    bool retry = response ? retryable_status(response->status)
                          : (response.error().kind == util::ErrorKind::network
                             || response.error().kind == util::ErrorKind::timeout);
    if (!retry || attempt >= m_options.max_retries) {
      return response;
    }
    auto delay = backoff(attempt, response ? &*response : nullptr);
    m_logger.info(fmt::format("{} {}: {}; retry {} of {} in {} ms",
                              request.method,
                              redact_url(request.url),
                              response ? "HTTP " + std::to_string(response->status)
                                       : response.error().message,
                              attempt + 1,
                              m_options.max_retries,
                              delay.count()));
    if (m_options.sleep) {
      m_options.sleep(delay);
    }
  }
}

} // namespace argoimg::registry
