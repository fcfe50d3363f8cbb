// SPDX-License-Identifier: Apache-2.0
// Tag lists for registry::Client: the page size asked for, a refused size asked again once and
// remembered per registry, `Link` pagination and the bounds on one repository's list.

#include "registry/client.hpp"
#include "registry/client_detail.hpp"
#include "registry/pagination.hpp"
#include "util/json_guard.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <map>
#include <set>
#include <thread>

namespace argoimg::registry {

namespace {

constexpr size_t k_max_tag_page_bytes = 64u << 20;

// The first page's URL: `n=size`, or no `n` at all (the registry's default page).
std::string first_page_url(const Endpoint& endpoint,
                           const std::string& repository,
                           std::optional<size_t> size) {
  std::string url = fmt::format("{}/v2/{}/tags/list", endpoint.api_url, repository);
  return size ? url + "?n=" + std::to_string(*size) : url;
}

// Append the tags of one page's `body` to `tags`, within `max_tags`.
util::Result<bool> append_page(std::string_view body,
                               std::vector<std::string>& tags,
                               size_t max_tags,
                               const std::string& what,
                               size_t page) {
  rapidjson::Document doc;
  util::parse_json_guarded(doc, body);
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::fail(util::ErrorKind::network,
                      what + ": malformed JSON in page " + std::to_string(page + 1));
  }
  auto list = doc.FindMember("tags");
  if (list != doc.MemberEnd() && list->value.IsArray()) {
    if (tags.size() + list->value.Size() > max_tags) {
      return util::fail(util::ErrorKind::invalid_input,
                        fmt::format("{}: more than {} tags (page {}), the limit per repository",
                                    what,
                                    max_tags,
                                    page + 1));
    }
    for (const auto& tag : list->value.GetArray()) {
      if (tag.IsString()) {
        tags.emplace_back(tag.GetString(), tag.GetStringLength());
      }
    }
  } else if (list != doc.MemberEnd() && !list->value.IsNull()) {
    return util::fail(util::ErrorKind::network, what + ": 'tags' is not a list");
  }
  return true;
}

} // namespace

// "scheme://host[:port]" of `url`, lowercased.
std::string origin_of(std::string_view url) {
  if (auto parsed = util::parse_url(url)) {
    // Scheme, host and port (the default one spelled out), without user information: a link
    // to "https://h:443/…" is the registry's own origin "https://h".
    return parsed->scheme + "://" + parsed->host + ":" + std::to_string(parsed->port_or_default());
  }
  return "invalid:" + std::string(url); // matches no registry's origin
}

// The `rel="next"` target of a `Link` header, if any.
std::optional<std::string> next_link(const HttpResponse& response) {
  for (const auto& value : response.header_values("link")) {
    for (std::string_view part : util::split(value, ',')) {
      size_t open = part.find('<');
      size_t close = part.find('>');
      if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        continue;
      }
      std::string params = util::to_lower(part.substr(close + 1));
      if (params.find("rel=\"next\"") != std::string::npos
          || params.find("rel=next") != std::string::npos) {
        return std::string(part.substr(open + 1, close - open - 1));
      }
    }
  }
  return std::nullopt;
}

void apply_trust(HttpRequest& request, const Endpoint& endpoint) {
  request.verify_tls = endpoint.verify_tls;
  request.ca_file = endpoint.ca_file;
  request.ca_pem = endpoint.ca_pem;
  if (endpoint.credentials) {
    // The cache keeps what one account read apart from what others (or no one) may read: by
    // where the credentials come from and whose they are, not the secret, which rotates (a
    // cold cache at every new token) and must not be guessable from a file name.
    const auto& given = *endpoint.credentials;
    request.cache_identity =
        util::sha256_hex("argoimg-cache-identity 2\n" + given.source + "\n" + given.username);
  }
}

HttpRequest tag_page_request(const std::string& url, size_t max_body) {
  HttpRequest request;
  request.url = url;
  request.max_body = max_body;
  request.headers.emplace_back("Accept", "application/json");
  return request;
}

std::optional<size_t> Client::initial_page_size(const Endpoint& endpoint) const {
  if (endpoint.page_size > 0) {
    return endpoint.page_size;
  }
  if (m_options.tags_page_size == 0) {
    return std::nullopt;
  }
  size_t size = m_options.tags_page_size;
  auto url = util::parse_url(endpoint.api_url);
  if (size_t cap = url ? known_page_cap(url->host) : 0; cap > 0) {
    size = std::min(size, cap);
  }
  return size;
}

util::Result<HttpResponse> Client::tag_page(const Endpoint& endpoint,
                                            const std::string& repository,
                                            const std::string& url,
                                            size_t max_body) {
  return send_authorized(endpoint, repository, tag_page_request(url, max_body));
}

std::unique_lock<std::timed_mutex> Client::page_size_probe(const std::string& key) {
  std::timed_mutex* probe = nullptr;
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (m_page_sizes.count(key) != 0) {
      return {}; // settled: walks run in parallel
    }
    auto& slot = m_page_probes[key];
    if (!slot) {
      slot = std::make_unique<std::timed_mutex>(); // kept for the client's life, never erased
    }
    probe = slot.get();
  }
  // A first page that takes longer than a round trip (a hanging repository) must not hold the
  // registry's other walks past their deadlines: after a second they go on without waiting.
  std::unique_lock<std::timed_mutex> lock(*probe, std::defer_lock);
  if (!lock.try_lock_for(std::chrono::seconds(1))) {
    return {};
  }
  return lock;
}

Client::FirstPage Client::planned_first_page(const Endpoint& endpoint,
                                             const std::string& repository) {
  // What is learnt is kept per registry and per size first asked, so an entry's own `pagesize`
  // is not overruled by what another entry for the same API learnt.
  FirstPage first;
  first.size = initial_page_size(endpoint);
  // kept apart per trust: a size learnt over an unverified connection is not believed by a
  // run that verifies
  first.key = api_cache_key(endpoint) + "#" + (first.size ? std::to_string(*first.size) : "-");
  recall_page_size(first.key, first.size);
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (auto known = m_page_sizes.find(first.key); known != m_page_sizes.end()) {
      first.size = known->second;
    }
  }
  first.url = first_page_url(endpoint, repository, first.size);
  return first;
}

util::Result<HttpResponse> Client::first_tag_page(const Endpoint& endpoint,
                                                  const std::string& repository,
                                                  std::string& url,
                                                  size_t max_body) {
  FirstPage first = planned_first_page(endpoint, repository);
  std::optional<size_t> size = first.size;
  const std::string& key = first.key;
  // Until a registry has answered one first page, the walks that start wait for that answer
  // (one round trip, once per registry) instead of each being refused in parallel: 16
  // repositories at a registry refusing n=10000 would cost 16 refusals, not one.
  auto probe = page_size_probe(key);
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (auto known = m_page_sizes.find(key); known != m_page_sizes.end()) {
      size = known->second;
    }
  }
  url = first_page_url(endpoint, repository, size);
  auto response = tag_page(endpoint, repository, url, max_body);
  if (!response) {
    return response;
  }
  if (auto maximum = size ? page_size_rejection(*response, *size) : std::nullopt) {
    // Once, with the maximum the registry named, else without `n` (its default page): every
    // registry takes that, and the walk follows its `Link`s from there.
    std::optional<size_t> smaller = *maximum > 0 ? std::optional<size_t>(*maximum) : std::nullopt;
    url = first_page_url(endpoint, repository, smaller);
    auto retried = tag_page(endpoint, repository, url, max_body);
    if (retried && retried->status == 200) {
      remember_page_size(endpoint, key, *size, smaller);
    }
    return retried;
  }
  if (response->status == 200) {
    std::lock_guard<std::mutex> guard(m_mutex);
    m_page_sizes.emplace(key, size); // taken as asked: settled
  }
  return response;
}

void Client::recall_page_size(const std::string& key, std::optional<size_t> asked) {
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (!asked || m_page_sizes.count(key) != 0) {
      return;
    }
  }
  // A size an earlier run learnt (docs/cache.md#tags): "-" (the default page) or a number below
  // the one asked; anything else is ignored.
  auto stored = m_transport.recall("page-size " + key);
  if (!stored) {
    return;
  }
  std::optional<size_t> working;
  if (*stored != "-") {
    size_t value = 0;
    auto [end, error] = std::from_chars(stored->data(), stored->data() + stored->size(), value);
    if (error != std::errc() || end != stored->data() + stored->size() || value == 0
        || value >= *asked) {
      return;
    }
    working = value;
  }
  m_logger.debug(fmt::format("{}: asking for {} tags per page, as an earlier run learnt",
                             redact_url(key),
                             working ? std::to_string(*working) : "the default number of"));
  std::lock_guard<std::mutex> guard(m_mutex);
  m_page_sizes.emplace(key, working);
}

void Client::remember_page_size(const Endpoint& endpoint,
                                const std::string& key,
                                size_t refused,
                                std::optional<size_t> working) {
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    auto known = m_page_sizes.find(key);
    if (known != m_page_sizes.end() && known->second == working) {
      return; // said already
    }
    m_page_sizes[key] = working;
  }
  m_transport.remember("page-size " + key, working ? std::to_string(*working) : "-");
  std::string message =
      fmt::format("registry {} refused {} tags per page; asking for {} for the rest of the run",
                  util::quote(endpoint.host),
                  refused,
                  working ? std::to_string(*working) : "its default page size");
  if (endpoint.page_size > 0) {
    m_logger.warn(message + " (its registries.conf 'pagesize' is too large)");
  } else {
    m_logger.info(message);
  }
}

util::Result<std::vector<std::string>> Client::list_tags(const Endpoint& endpoint,
                                                         const std::string& repository) {
  DeadlineScope deadline(*this);
  std::string what = "listing tags of " + util::quote(repository);
  std::vector<std::string> tags;
  std::set<std::string> visited;
  size_t bytes = 0;
  const size_t max_bytes = m_options.max_tag_bytes_per_repository;
  std::string url;
  // A list kept whole in the cache is revalidated at once: one round of requests, not one per
  // page (docs/cache.md#tags). The walk below still follows the Links the registry sends now and
  // takes an answer only for exactly the URL it needs; any other page it asks for itself.
  FirstPage first = planned_first_page(endpoint, repository);
  size_t whole = std::min(k_max_tag_page_bytes, max_bytes);
  std::map<std::string, HttpResponse> answered;
  if (auto chain = kept_tag_chain(endpoint, first.url, whole); chain.size() > 1) {
    answered = revalidate_tag_chain(endpoint, repository, chain, whole);
  }
  auto answer = [&answered](const std::string& wanted) -> std::optional<HttpResponse> {
    auto found = answered.find(wanted);
    if (found == answered.end()) {
      return std::nullopt;
    }
    HttpResponse taken = std::move(found->second);
    answered.erase(found);
    return taken;
  };
  for (size_t page = 0; page < m_options.max_tag_pages; ++page) {
    // The page may use what is left of the repository's byte budget, and no more.
    size_t max_body = std::min(k_max_tag_page_bytes, max_bytes - bytes);
    util::Result<HttpResponse> response = HttpResponse{};
    if (auto ready = answer(page == 0 ? first.url : url)) {
      if (page == 0) {
        url = first.url;
        std::lock_guard<std::mutex> guard(m_mutex);
        m_page_sizes.emplace(first.key, first.size); // the size asked worked: settled
      }
      response = std::move(*ready);
    } else {
      response = page == 0 ? first_tag_page(endpoint, repository, url, max_body)
                           : tag_page(endpoint, repository, url, max_body);
    }
    visited.insert(url);
    auto too_large = [&] {
      return util::fail(util::ErrorKind::invalid_input,
                        fmt::format("{}: the tag list is larger than {} bytes (page {}), the "
                                    "limit per repository",
                                    what,
                                    max_bytes,
                                    page + 1));
    };
    if (!response && response.error().kind == util::ErrorKind::invalid_input) {
      return too_large();
    }
    if (!response) {
      return tl::unexpected(util::with_context(response.error(), what));
    }
    if (response->status != 200) {
      return tl::unexpected(status_error(*response, what));
    }
    bytes += response->body.size();
    if (bytes >= max_bytes) { // a transport that did not enforce max_body; never underflow
      return too_large();
    }
    if (auto added =
            append_page(response->body, tags, m_options.max_tags_per_repository, what, page);
        !added) {
      return tl::unexpected(added.error());
    }
    auto next = next_link(*response);
    if (!next) {
      return tags;
    }
    std::string next_url = resolve_url(url, *next);
    // Credentials ride along with every page: never follow a Link to another origin.
    if (origin_of(next_url) != origin_of(endpoint.api_url)) {
      return util::fail(util::ErrorKind::network,
                        what + ": refusing to follow a Link to another host ("
                            + util::quote(redact_url(next_url)) + ")");
    }
    if (visited.count(next_url) != 0) {
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: page {} links back to a page already read ({}); the "
                                    "registry's pagination loops",
                                    what,
                                    page + 1,
                                    util::quote(redact_url(next_url))));
    }
    url = std::move(next_url);
  }
  m_logger.warn(fmt::format("{}: stopped after {} pages ({} tags); raise the page limit to see "
                            "the rest",
                            what,
                            m_options.max_tag_pages,
                            tags.size()));
  return tags;
}

} // namespace argoimg::registry
