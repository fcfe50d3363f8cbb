// SPDX-License-Identifier: Apache-2.0
// The caching transport (cache.hpp): answers by digest and newest-build's manifests by tag from
// the persistent cache, stores verified answers; tag-list pages are in cache_tags_transport.cpp.
#include "registry/cache.hpp"
#include "registry/cache_tags.hpp"
#include "util/strings.hpp"

#include <string>
#include <utility>

namespace argoimg::registry {

CachingTransport::CachingTransport(HttpTransport& inner,
                                   DiskCache cache,
                                   const util::Logger& logger)
    : m_inner(inner), m_cache(std::move(cache)), m_logger(logger) {}

CachingTransport::~CachingTransport() {
  // Every run, also one that stored nothing: a bound left exceeded by overlapping runs (one
  // that gave up waiting for the lock) is restored by the next run.
  m_cache.evict();
  if (size_t lost = m_cache.first_seen_evicted(); lost > 0) {
    m_logger.warn("--cache-dir " + util::quote(m_cache.dir()) + ": --cache-max-size "
                  + std::to_string(m_cache.max_bytes()) + " bytes cannot hold this run's "
                  + "first-seen times (" + std::to_string(lost)
                  + " files evicted as soon as written): min-age will keep waiting on their "
                  + "tags; raise --cache-max-size");
  }
}

std::optional<HttpResponse> CachingTransport::stored(const HttpRequest& request) {
  if (is_tag_list_request(request)) {
    return fresh_tag_page(request);
  }
  if (auto name = immutable_tag_key(request)) {
    return stored_immutable_tag(request, *name);
  }
  if (auto digest = cacheable_digest(request)) {
    return stored_by_digest(request, *digest);
  }
  return std::nullopt;
}

std::optional<HttpResponse> CachingTransport::stored_by_digest(const HttpRequest& request,
                                                               const std::string& digest) {
  std::string name = cache_key(request);
  if (auto data = m_cache.read(name)) {
    return served_or_dropped(request, name, decode_cache_entry(*data, digest, name), "");
  }
  return std::nullopt;
}

std::optional<HttpResponse>
CachingTransport::served_or_dropped(const HttpRequest& request,
                                    const std::string& name,
                                    std::optional<HttpResponse> response,
                                    std::string_view what) {
  if (response && response->body.size() <= request.max_body) {
    ++m_hits;
    m_logger.debug("cache: " + redact_url(request.url) + " served from the cache"
                   + std::string(what));
    response->from_cache = true;
    return response;
  }
  if (!response) {
    // truncated, corrupt, of another version or not matching its digest: never served
    m_logger.debug("cache: " + redact_url(request.url) + ": dropped a bad entry");
    m_cache.remove(name);
  }
  return std::nullopt;
}

util::Result<HttpResponse> CachingTransport::send(const HttpRequest& request) {
  if (auto hit = stored(request)) {
    return std::move(*hit);
  }
  if (is_tag_list_request(request)) {
    return send_tag_page(request);
  }
  if (auto name = immutable_tag_key(request)) {
    return send_immutable_tag(request, *name);
  }
  auto digest = cacheable_digest(request);
  if (!digest) {
    return m_inner.send(request);
  }
  auto response = m_inner.send(request);
  if (!response || response->status != 200) {
    return response;
  }
  std::string name = cache_key(request);
  auto entry = encode_cache_entry(*response, *digest, name);
  if (!entry) {
    return response; // a body not matching its digest is the client's to report
  }
  store(name, *entry);
  return response;
}

bool CachingTransport::store(const std::string& name, const std::string& entry) {
  if (entry.size() > m_cache.max_bytes()) {
    return false;
  }
  if (!m_cache.write(name, entry)) {
    if (!m_warned.exchange(true)) {
      m_logger.warn("cache: cannot write to " + util::quote(m_cache.dir())
                    + "; this run goes on without storing");
    }
    return false;
  }
  ++m_stores;
  if (m_added_since_eviction.fetch_add(entry.size()) + entry.size() > m_cache.max_bytes() / 4) {
    m_added_since_eviction = 0;
    m_cache.evict();
  }
  return true;
}

} // namespace argoimg::registry
