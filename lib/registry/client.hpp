// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "image/image_ref.hpp"
#include "registry/challenge.hpp"
#include "registry/endpoint.hpp"
#include "registry/http.hpp"
#include "registry/manifest.hpp"
#include "registry/rate_limit.hpp"
#include "util/backoff.hpp"
#include "util/log.hpp"
#include "util/result.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::registry {

struct ClientOptions {
  // `n` asked for on a repository's first tags/list page (docs/registries.md#page-size); less
  // for registries known to take less, registries.conf `pagesize` instead when set, and the
  // size that worked once a registry refused one. 0: no `n`, the registry's default.
  size_t tags_page_size = 10'000;
  size_t max_tag_pages = 1000; // bound on pages followed per repository, with a warning
  // Bounds on one repository's tag list across all its pages (docs/registries.md#limits): more
  // tags or more bytes fail that repository's images with an error naming the limit.
  size_t max_tags_per_repository = 100'000;
  size_t max_tag_bytes_per_repository = 32u << 20;
  // Wall-clock budget of one repository's tag walk (and of each manifest or config read): all
  // pages, token fetches, retries and waits. A registry that outlives it is marked stalled and
  // its later requests in this run fail at once. 0: no deadline.
  std::chrono::milliseconds repository_deadline{60'000};
  // Retries after 429, 5xx or network errors, by util::BackoffPolicy: exponential backoff with
  // jitter from `retry_base`, each wait at most `retry_cap`; `Retry-After` is honoured up to
  // the cap. `max_retries` retries follow the first try.
  size_t max_retries = 3;
  std::chrono::milliseconds retry_base{250};
  std::chrono::milliseconds retry_cap{10'000};
  // The clock (token expiry, rate limits) and the way to wait; cmd/ passes the real ones,
  // tests a fake. Without them nothing waits and time stands still.
  std::function<std::chrono::steady_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  unsigned jitter_seed = 1;
  // The request budget (docs/registries.md#request-budget): at most this many requests go to
  // the network in this run, token requests included; answers kept locally (the persistent
  // cache, this client's own) cost nothing. nullopt: no bound.
  std::optional<size_t> max_requests;
  // Unix time now, to say when a registry's rate limit resets; unset: only "in 2h13m".
  std::function<int64_t()> unix_now;
  // Tag pages of one repository revalidated at once when its whole list is in the persistent
  // cache (docs/cache.md#tags); the run's --concurrency.
  size_t page_concurrency = 16;
};

// Talks the registry v2 API: Docker token and Basic auth, paginated tags, manifests and
// config blobs. Returns raw data; never filters or chooses. Caches tokens per registry and
// scope, and manifests and configs per digest, for the life of the object.
class Client {
public:
  Client(HttpTransport& transport, const util::Logger& logger, ClientOptions options);

  // Return every tag of `repository` (e.g. "library/nginx"), following `Link` pagination. A
  // `Link` back to a page already read is an error (a loop), as is a list over the limits.
  util::Result<std::vector<std::string>> list_tags(const Endpoint& endpoint,
                                                   const std::string& repository);

  // Return the digest of the manifest `reference` (tag or digest) points to, by HEAD (which
  // Docker Hub does not count against pull limits); falls back to GET when the registry sends
  // no `Docker-Content-Digest`.
  util::Result<std::string> manifest_digest(const Endpoint& endpoint,
                                            const std::string& repository,
                                            const std::string& reference);

  // Fetch and parse the manifest `reference` points to; content fetched by digest is verified.
  // `immutable_tag`: the tag is taken as immutable (newest-build's metadata, as AIU does), so the
  // persistent cache may answer it across runs (docs/cache.md#tags).
  util::Result<Manifest> manifest(const Endpoint& endpoint,
                                  const std::string& repository,
                                  const std::string& reference,
                                  bool immutable_tag = false);

  // Fetch and parse the image config blob `digest` (verified against its digest).
  util::Result<ImageConfig>
  config(const Endpoint& endpoint, const std::string& repository, const std::string& digest);

  // Requests sent so far, per registry host; answers the persistent cache gave without asking
  // the registry are not among them but in cache_hits_per_registry().
  std::map<std::string, size_t> requests_per_registry() const;
  std::map<std::string, size_t> cache_hits_per_registry() const;

  // What each registry host's rate-limit headers said (registry/rate_limit.hpp): the response
  // with the fewest requests remaining, and the latest `Retry-After`. Hosts that sent none are
  // absent.
  std::map<std::string, RateLimitStatus> rate_limits() const;

  // What the request budget did (client_budget.cpp).
  struct BudgetReport {
    std::optional<size_t> limit; // ClientOptions::max_requests
    size_t used = 0;             // requests that went to the network
    size_t refused = 0;          // requests not sent: the budget or a rate limit ran out
    // Registry hosts no longer asked in this run (rate limit exhausted), and why.
    std::map<std::string, std::string> exhausted;
  };
  BudgetReport budget() const;

  // Watches the calling thread for requests the budget refused, so that a caller resolving one
  // image can tell that it saw only part of the answers and must not pick (an image is
  // resolved whole or skipped). Every request of one public call is sent on the caller's thread.
  class BudgetWatch {
  public:
    BudgetWatch();
    // The reason of the latest refusal on this thread since construction, if any.
    std::optional<std::string> refused() const;

  private:
    size_t m_start = 0;
  };

private:
  // Sets the calling thread's deadline (`repository_deadline` from now) for the requests of
  // one public call; nested calls keep the outer deadline.
  class DeadlineScope {
  public:
    explicit DeadlineScope(const Client& client);
    ~DeadlineScope();
    DeadlineScope(const DeadlineScope&) = delete;
    DeadlineScope& operator=(const DeadlineScope&) = delete;

  private:
    bool m_owner = false;
  };

  // What a registry's `GET /v2/` said about authentication.
  struct AuthScheme {
    enum class Kind { anonymous, basic, bearer };
    Kind kind = Kind::anonymous;
    Challenge challenge; // bearer: realm and service
  };
  struct CachedToken {
    std::string token;
    std::chrono::steady_clock::time_point expires;
  };

  // client_auth.cpp
  util::Result<HttpResponse>
  send_authorized(const Endpoint& endpoint, const std::string& repository, HttpRequest request);
  util::Result<std::string>
  fetch_token(const Endpoint& endpoint, const Challenge& challenge, const std::string& scope);
  util::Result<AuthScheme> auth_scheme(const Endpoint& endpoint);
  std::optional<std::string> cached_token(const std::string& key);
  // client_tags.cpp: page sizes
  std::optional<size_t> initial_page_size(const Endpoint& endpoint) const;
  util::Result<HttpResponse> tag_page(const Endpoint& endpoint,
                                      const std::string& repository,
                                      const std::string& url,
                                      size_t max_body);
  // Holds walks whose page size (`key`) is not settled yet to one first page at a time (each
  // waits at most a second).
  std::unique_lock<std::timed_mutex> page_size_probe(const std::string& key);
  // Sends the first page (setting `url` to the one asked); a refused size is asked again once.
  util::Result<HttpResponse> first_tag_page(const Endpoint& endpoint,
                                            const std::string& repository,
                                            std::string& url,
                                            size_t max_body);
  // The first page's URL as first_tag_page would ask it now, with its size and settling key.
  struct FirstPage {
    std::string url;
    std::string key;
    std::optional<size_t> size;
  };
  FirstPage planned_first_page(const Endpoint& endpoint, const std::string& repository);
  // The URLs of the tag pages kept in the persistent cache from `first` on, when the whole
  // chain is kept (same origin, no loop, within the page bound); else none.
  std::vector<std::string>
  kept_tag_chain(const Endpoint& endpoint, const std::string& first, size_t max_body);
  // Ask for every page of `chain` at once (revalidating what the cache holds), and return the
  // 200 answers by URL; other answers and errors are left for the walk to ask again.
  std::map<std::string, HttpResponse> revalidate_tag_chain(const Endpoint& endpoint,
                                                           const std::string& repository,
                                                           const std::vector<std::string>& chain,
                                                           size_t max_body);
  // Take up to `wanted` of the page_concurrency helper threads all revalidations share; 0 when
  // none is free. The caller gives them back (m_page_threads) when its threads have joined.
  size_t reserve_page_threads(size_t wanted);
  // Settle `key` from the persistent cache when an earlier run learnt its size.
  void recall_page_size(const std::string& key, std::optional<size_t> asked);
  void remember_page_size(const Endpoint& endpoint,
                          const std::string& key,
                          size_t refused,
                          std::optional<size_t> working);
  // client_send.cpp: rate limit, count, retry
  util::Result<HttpResponse> send_counted(const Endpoint& endpoint, const HttpRequest& request);
  void note_rate_limit(const Endpoint& endpoint,
                       const HttpRequest& request,
                       const HttpResponse& response);
  void wait_for_rate_limit(const Endpoint& endpoint);
  // client_budget.cpp; both with m_mutex held. Spend one request on `endpoint` (only look when
  // not `spend`), or return why it may not be sent (and count the refusal on this thread).
  std::optional<std::string> spend_budget(const Endpoint& endpoint, bool spend);
  // `endpoint`'s registry said it has no requests left (`remaining: 0`, or a 429 it kept
  // sending): it is not asked again until the reset it named, or for the rest of the run.
  void note_exhausted(const Endpoint& endpoint, const RateLimitStatus& status);
  std::chrono::milliseconds backoff(size_t attempt, const HttpResponse* response);

  HttpTransport& m_transport;
  const util::Logger& m_logger;
  ClientOptions m_options;
  mutable std::mutex m_mutex;
  std::map<std::string, CachedToken> m_tokens;  // api_url + scope
  std::map<std::string, AuthScheme> m_schemes;  // api_url
  std::mutex m_ping_mutex;                      // one ping per registry, not one per thread
  std::map<std::string, Manifest> m_manifests;  // by digest, and by endpoint/repo:tag
  std::map<std::string, ImageConfig> m_configs; // by digest
  std::map<std::string, size_t> m_requests;     // by registry host
  std::map<std::string, size_t> m_cache_hits;   // by registry host
  std::map<std::string, std::chrono::steady_clock::time_point> m_next_slot; // rate limits
  std::map<std::string, std::string> m_stalled; // api_url -> why it was given up on
  // api_url#first size -> the `n` that worked (nullopt: none); the probes until it is known
  std::map<std::string, std::optional<size_t>> m_page_sizes;
  std::map<std::string, std::unique_ptr<std::timed_mutex>> m_page_probes;
  std::map<std::string, RateLimitStatus> m_rate_limits; // by registry host
  struct Exhaustion {
    std::string reason;
    std::optional<std::chrono::steady_clock::time_point> until; // nullopt: the rest of the run
  };
  std::map<std::string, Exhaustion> m_exhausted; // by registry host
  size_t m_spent = 0;                            // requests that went to the network
  std::map<std::string, size_t> m_spent_at;      // the same per registries.conf entry
  size_t m_refused = 0;
  std::atomic<size_t> m_page_threads{0}; // helper threads revalidating kept tag pages
  util::BackoffPolicy m_backoff;         // from the retry options
  util::JitterSource m_jitter;           // guarded by m_mutex
};

// Return the path to use in API URLs for `image` at `endpoint`: the endpoint's default
// namespace (registries.conf `defaultns`) is prefixed to single-component names, also on Docker
// Hub (`nginx` -> `myorg/nginx` at a mirror with `defaultns: myorg`); without one, Docker Hub
// names get `library/` and other registries' names stay as written.
std::string registry_path(const Endpoint& endpoint, const image::ImageRef& image);

} // namespace argoimg::registry
