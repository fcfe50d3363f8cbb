// SPDX-License-Identifier: Apache-2.0
// A tag list kept whole in the cache, revalidated at once: every stored page's conditional
// request is sent together (docs/cache.md#tags); the walk in client_tags.cpp then takes each
// answer only for exactly the URL the registry's current `Link`s lead to.

#include "registry/client.hpp"
#include "registry/client_detail.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <system_error>
#include <thread>

namespace argoimg::registry {

size_t Client::reserve_page_threads(size_t wanted) {
  size_t limit = std::max<size_t>(m_options.page_concurrency, 1);
  size_t in_use = m_page_threads.load();
  size_t granted = 0;
  do {
    granted = in_use >= limit ? 0 : std::min(wanted, limit - in_use);
  } while (granted > 0 && !m_page_threads.compare_exchange_weak(in_use, in_use + granted));
  return granted;
}

std::vector<std::string>
Client::kept_tag_chain(const Endpoint& endpoint, const std::string& first, size_t max_body) {
  std::vector<std::string> chain;
  std::set<std::string> seen;
  std::string url = first;
  while (chain.size() < m_options.max_tag_pages) {
    auto request = tag_page_request(url, max_body);
    apply_trust(request, endpoint); // as the pages were stored (their keys hold the trust)
    auto kept = m_transport.kept_tag_page(request);
    if (!kept) {
      return {};
    }
    chain.push_back(url);
    seen.insert(url);
    auto next = next_link(*kept);
    if (!next) {
      return chain;
    }
    url = resolve_url(url, *next);
    if (origin_of(url) != origin_of(endpoint.api_url) || seen.count(url) != 0) {
      return {}; // the walk refuses these itself, with its message
    }
  }
  return {};
}

std::map<std::string, HttpResponse>
Client::revalidate_tag_chain(const Endpoint& endpoint,
                             const std::string& repository,
                             const std::vector<std::string>& chain,
                             size_t max_body) {
  // A bearer registry's token first, once: each page at once would fetch its own.
  auto scheme = auth_scheme(endpoint);
  if (!scheme) {
    return {}; // the walk reports it
  }
  if (scheme->kind == AuthScheme::Kind::bearer) {
    std::string scope = "repository:" + repository + ":pull";
    if (!cached_token(endpoint.identity() + " " + scope)
        && !fetch_token(endpoint, scheme->challenge, scope)) {
      return {};
    }
  }
  // Helper threads are shared by every repository being revalidated: page_concurrency in all,
  // so a run has at most --concurrency repositories plus that many pages in flight, never
  // repositories × pages. None free: the walk asks one page after another, as without a cache.
  size_t threads = reserve_page_threads(chain.size());
  if (threads == 0) {
    return {};
  }
  std::vector<std::optional<HttpResponse>> answers(chain.size());
  std::atomic<size_t> next{0};
  // On threads of their own, so that a refusal there does not mark the caller's walk: a page
  // the walk needs and has no answer for is asked again on the caller's thread, where a refusal
  // counts (the image is skipped, never picked from part of its list).
  auto worker = [&] {
    DeadlineScope deadline(*this);
    for (size_t i = next++; i < chain.size(); i = next++) {
      BudgetWatch watch;
      auto response = tag_page(endpoint, repository, chain[i], max_body);
      if (watch.refused()) {
        std::lock_guard<std::mutex> guard(m_mutex);
        --m_refused; // counted again if the walk asks for the page itself
      }
      if (response && response->status == 200) {
        answers[i] = std::move(*response);
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break; // no thread to be had: those started share the pages
    }
  }
  for (auto& thread : pool) {
    thread.join();
  }
  m_page_threads -= threads;
  std::map<std::string, HttpResponse> answered;
  for (size_t i = 0; i < chain.size(); ++i) {
    if (answers[i]) {
      answered.emplace(chain[i], std::move(*answers[i]));
    }
  }
  m_logger.debug(fmt::format("listing tags of {}: {} kept pages revalidated at once",
                             util::quote(repository),
                             chain.size()));
  return answered;
}

} // namespace argoimg::registry
