// SPDX-License-Identifier: Apache-2.0
// The caching transport's answers that can change (docs/cache.md#tags): tag-list pages
// revalidated with If-None-Match or trusted for --cache-ttl, newest-build's manifests by tag,
// and notes about registries.
#include "registry/cache.hpp"
#include "registry/cache_tags.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <chrono>

namespace argoimg::registry {

void CachingTransport::set_tag_list_ttl(std::chrono::seconds ttl, std::function<int64_t()> clock) {
  m_tag_ttl = ttl;
  m_clock = std::move(clock);
}

int64_t CachingTransport::now_unix() const {
  if (m_clock) {
    return m_clock();
  }
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<HttpResponse> CachingTransport::fresh_tag_page(const HttpRequest& request) {
  if (m_tag_ttl.count() <= 0) {
    return std::nullopt;
  }
  std::string name = tag_page_key(request);
  auto data = m_cache.read(name);
  if (!data) {
    return std::nullopt;
  }
  auto stored = decode_tag_page(*data, name);
  if (!stored || stored->body.size() > request.max_body) {
    return std::nullopt; // send_tag_page drops a bad entry and asks
  }
  int64_t now = now_unix();
  if (now < stored->fetched_unix || now - stored->fetched_unix >= m_tag_ttl.count()) {
    return std::nullopt;
  }
  ++m_hits;
  m_logger.debug("cache: " + redact_url(request.url) + " served from the cache (--cache-ttl)");
  auto response = tag_page_response(*stored);
  response.from_cache = true;
  return response;
}

std::optional<HttpResponse> CachingTransport::kept_tag_page(const HttpRequest& request) {
  if (!is_tag_list_request(request)) {
    return std::nullopt;
  }
  std::string name = tag_page_key(request);
  auto data = m_cache.read(name);
  auto stored = data ? decode_tag_page(*data, name) : std::nullopt;
  if (!stored || stored->body.size() > request.max_body) {
    return std::nullopt; // send_tag_page drops a bad entry when the page is asked
  }
  return tag_page_response(*stored);
}

util::Result<HttpResponse> CachingTransport::send_tag_page(const HttpRequest& request) {
  std::string name = tag_page_key(request);
  std::optional<TagPageEntry> stored;
  if (auto data = m_cache.read(name)) {
    stored = decode_tag_page(*data, name);
    if (!stored) {
      m_logger.debug("cache: " + redact_url(request.url) + ": dropped a bad tag-list entry");
      m_cache.remove(name);
    } else if (stored->body.size() > request.max_body) {
      stored.reset();
    }
  }
  int64_t now = now_unix();
  HttpRequest asked = request;
  if (stored && !stored->etag.empty()) {
    asked.headers.emplace_back("If-None-Match", stored->etag);
  }
  auto response = m_inner.send(asked);
  if (!response) {
    return response;
  }
  if (response->status == 304 && stored && !stored->etag.empty()) {
    // The registry confirmed the stored page: one request, no body.
    ++m_revalidated;
    m_logger.debug("cache: " + redact_url(request.url) + " not modified (ETag)");
    auto confirmed = tag_page_response(*stored);
    if (auto etag = response->header("etag"); etag && !etag->empty()) {
      for (auto& [header, value] : confirmed.headers) {
        if (header == "etag") {
          value = *etag; // a weak validator may be reissued
        }
      }
    }
    // The next page is the registry's word now: a page whose body is unchanged may have gained
    // a Link (tags added after a full last page) or lost one. A 304 without one keeps the stored
    // Link (docs/cache.md#tags).
    if (auto links = response->header_values("link"); !links.empty()) {
      confirmed.headers.erase(std::remove_if(confirmed.headers.begin(),
                                             confirmed.headers.end(),
                                             [](const auto& h) { return h.first == "link"; }),
                              confirmed.headers.end());
      confirmed.headers.emplace_back("link", util::join(links, ", "));
    }
    if (auto entry = encode_tag_page(confirmed, now, name)) {
      store(name, *entry); // restarts the TTL
    }
    // The 304's other headers are this request's: its rate-limit headers (how many requests
    // are left, when they come back) must reach the budget as a 200's would. Not stored.
    for (const auto& [header, value] : response->headers) {
      if (header != "etag" && header != "link" && header != "content-type"
          && header != "content-length") {
        confirmed.headers.emplace_back(header, value);
      }
    }
    return confirmed;
  }
  if (response->status == 200) {
    if (auto entry = encode_tag_page(*response, now, name)) {
      store(name, *entry);
    } else if (stored) {
      m_cache.remove(name); // a page that cannot be kept must not leave an old one behind
    }
  }
  return response;
}

std::optional<HttpResponse> CachingTransport::stored_immutable_tag(const HttpRequest& request,
                                                                   const std::string& name) {
  if (auto data = m_cache.read(name)) {
    // The entry's own digest line (after its magic and key lines) names what its body must
    // hash to.
    std::string_view text(*data);
    auto first = text.find('\n');
    auto second = first == std::string_view::npos ? first : text.find('\n', first + 1);
    auto third = second == std::string_view::npos ? second : text.find('\n', second + 1);
    std::optional<HttpResponse> response;
    if (third != std::string_view::npos && text.substr(second + 1, 7) == "digest ") {
      response = decode_cache_entry(text, text.substr(second + 8, third - second - 8), name);
    }
    return served_or_dropped(request, name, std::move(response), " (tag)");
  }
  return std::nullopt;
}

util::Result<HttpResponse> CachingTransport::send_immutable_tag(const HttpRequest& request,
                                                                const std::string& name) {
  auto response = m_inner.send(request);
  if (!response || response->status != 200) {
    return response;
  }
  std::string digest = "sha256:" + util::sha256_hex(response->body);
  // Kept only when the registry's own digest, if it sent one, is the body's: the client
  // refuses the answer otherwise, and so must the cache.
  if (auto sent = response->header("docker-content-digest"); sent && *sent != digest) {
    return response;
  }
  if (auto entry = encode_cache_entry(*response, digest, name)) {
    store(name, *entry);
  }
  return response;
}

std::optional<std::string> CachingTransport::recall(const std::string& key) {
  std::string name = note_name(key);
  auto data = m_cache.read(name);
  if (!data) {
    return std::nullopt;
  }
  auto value = decode_note(*data, key);
  if (!value) {
    m_cache.remove(name);
  }
  return value;
}

void CachingTransport::remember(const std::string& key, const std::string& value) {
  if (auto entry = encode_note(key, value)) {
    store(note_name(key), *entry);
  }
}

} // namespace argoimg::registry
